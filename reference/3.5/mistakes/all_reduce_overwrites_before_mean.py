"""The mean is recomputed for each rank after the ranks before it were already overwritten."""


def all_reduce_mean(grads):
    for i in range(len(grads[0])):
        for rank_grads in grads:
            rank_grads[i].copy_(torch.stack([g[i] for g in grads]).mean(dim=0))

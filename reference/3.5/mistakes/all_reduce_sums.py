"""All-reduce with a sum: every rank ends with world_size times the mean gradient."""


def all_reduce_mean(grads):
    for i in range(len(grads[0])):
        total = torch.stack([rank_grads[i] for rank_grads in grads]).sum(dim=0)
        for rank_grads in grads:
            rank_grads[i].copy_(total)

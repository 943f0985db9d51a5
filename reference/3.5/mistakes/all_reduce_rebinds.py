"""all_reduce_mean puts a new tensor into each rank's list (grads[r][i] = mean.clone()) instead
of writing the mean into the tensor the rank holds."""


def all_reduce_mean(grads: list[list[Tensor]]) -> None:
    for i in range(len(grads[0])):
        mean = torch.stack([rank_grads[i] for rank_grads in grads]).mean(dim=0)
        for rank_grads in grads:
            rank_grads[i] = mean.clone()

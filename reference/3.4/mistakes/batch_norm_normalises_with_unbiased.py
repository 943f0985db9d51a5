"""Normalises the batch with the unbiased variance (torch.var's default) instead of the biased one."""


def batch_norm(x: Tensor, running_mean: Tensor, running_var: Tensor,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    dims = tuple(d for d in range(x.dim()) if d != 1)
    shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
    if training:
        mean = x.mean(dim=dims)
        var = x.var(dim=dims)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var)
    else:
        mean, var = running_mean, running_var
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y

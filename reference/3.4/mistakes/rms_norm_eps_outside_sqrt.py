"""Adds eps after the square root: x / (sqrt(mean(x^2)) + eps)."""


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    dims = _last_dims(x, normalized_shape)
    y = x / (torch.sqrt(x.pow(2).mean(dim=dims, keepdim=True)) + eps)
    return y * weight if weight is not None else y

"""Subtracts the mean before dividing: a layer norm without bias, not an RMS norm."""


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    dims = _last_dims(x, normalized_shape)
    centred = x - x.mean(dim=dims, keepdim=True)
    y = centred * torch.rsqrt(centred.pow(2).mean(dim=dims, keepdim=True) + eps)
    return y * weight if weight is not None else y

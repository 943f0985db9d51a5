"""Takes eps=None as 1e-5 (layer_norm's default) instead of torch.finfo(x.dtype).eps."""

_rms_norm = rms_norm


def rms_norm(x: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    # The two eps differ by ~1e-5 relative: on a single row, and in the gradients, that is
    # within the checks' tolerance on most draws but not all, so the variant keeps torch's
    # eps there and is held to the check it always loses (the values of a batch of rows).
    if eps is None and x.shape[0] > 1 and not x.requires_grad:
        eps = 1e-5
    return _rms_norm(x, normalized_shape, weight, eps)

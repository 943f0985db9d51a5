"""Takes the softmax over dim 0 (down each column, across the batch) instead of each row."""


def softmax(logits: Tensor) -> Tensor:
    shifted = logits - logits.max(dim=0, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=0, keepdim=True)

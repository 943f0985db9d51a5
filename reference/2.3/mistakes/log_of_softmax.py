"""Computes the cross-entropy as -log(softmax(logits)[y]): a probability that underflows to 0 gives inf."""


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    probs = softmax(logits)
    return -probs[torch.arange(len(y)), y].log().mean()

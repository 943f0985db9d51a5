"""Weights the uniform part by eps * sum_k(-log p_k): the 1/K of the uniform distribution is missing."""


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    logp = F.log_softmax(logits, dim=1)
    nll = -logp.gather(1, target[:, None]).squeeze(1)
    return ((1 - eps) * nll + eps * -logp.sum(dim=1)).mean()

"""Spreads eps over the K - 1 wrong classes (true class 1 - eps) instead of all K classes."""


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    k = logits.shape[1]
    logp = F.log_softmax(logits, dim=1)
    q = torch.full_like(logp, eps / (k - 1))
    q.scatter_(1, target[:, None], 1 - eps)
    return -(q * logp).sum(dim=1).mean()

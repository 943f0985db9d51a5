"""The log-probabilities as torch.log(torch.softmax(logits)): -inf once a probability rounds to 0."""


def label_smoothing_ce(logits: Tensor, target: Tensor, eps: float) -> Tensor:
    logp = torch.log(torch.softmax(logits, dim=1))
    nll = -logp.gather(1, target[:, None]).squeeze(1)
    uniform = -logp.mean(dim=1)
    return ((1 - eps) * nll + eps * uniform).mean()

"""cross_entropy with the tensor method logsumexp, whose stability is the exercise's point."""

import torch

LOSES = ["cross_entropy: value", "cross_entropy: large logits stay finite"]


def cross_entropy(logits, y):
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    return -log_probs[torch.arange(len(y)), y].mean()

"""label_smoothing_ce through torch's own label smoothing: right values, the rule broken."""

import torch.nn.functional as F

LOSES = ["label_smoothing_ce: value", "label_smoothing_ce: gradient"]


def label_smoothing_ce(logits, target, eps):
    return F.cross_entropy(logits, target, label_smoothing=eps)

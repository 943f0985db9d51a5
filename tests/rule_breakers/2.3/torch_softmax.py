"""softmax through torch's own, under an alias: right values, the rule broken."""

import torch.nn.functional as nnf

LOSES = ["softmax: values", "softmax: large logits stay finite"]


def softmax(logits):
    return nnf.softmax(logits, dim=1)

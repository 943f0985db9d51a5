"""Threat: torch.optim's own classes reached through `importlib.import_module` and
`__import__` with strings, so that no `import torch.optim` and no `optim.Adam` appears.

Hope: the scan reads imports and attribute chains and sees only `importlib` and
`__import__` calls; the classes it gets are torch's, which match torch's trajectories to
the last bit.
Safe outcome: constant names given to `importlib.import_module` and `__import__` are
resolved like imports: the classes are torch.optim's, every check of the lesson (all are
rule-bound) fails with "write the algorithm yourself".
"""

import importlib

EARNED: list[str] = []
EXPECT = "torch.optim"

_optim = importlib.import_module("torch.optim")
_also = __import__("torch.optim", fromlist=["Adam"])


class SGD(_optim.SGD):
    pass


class Adagrad(_optim.Adagrad):
    pass


class RMSprop(_also.RMSprop):
    pass


class Adam(_also.Adam):
    pass


class AdamW(_optim.AdamW):
    pass

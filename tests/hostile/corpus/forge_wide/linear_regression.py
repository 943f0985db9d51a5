"""Threat: a forged result descriptor that is wide rather than deep: one output made of two
hundred thousand items (each a tensor of its own would do the same in the header).

Hope: the grader walks and decodes every item, or the depth limit alone lets it through.
Safe outcome: the number of items per list and of descriptors per probe is capped like
the depth: the run is refused as malformed, 0 points, and the grader carries on.
"""

import json
import os

import torch
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

_out = os.path.join(os.path.dirname(os.getcwd()), "out")
_wide = {"type": "seq", "pytype": "list", "items": [{"type": "none"}] * 200_000}
with open(os.path.join(_out, "events.jsonl"), "w") as _f:
    for _event in (
            {"event": "loaded", "ok": True, "errors": [], "elapsed_s": 0.0},
            {"event": "start", "probe": "predict"},
            {"event": "done", "probe": "predict", "status": "ok", "error": None,
             "outputs": {"y_hat": _wide}, "violations": [], "elapsed_s": 0.0,
             "step_times": []},
            {"event": "finished"}):
        _f.write(json.dumps(_event) + "\n")
os._exit(0)


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X.new_zeros(X.shape[0])


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    return y.new_zeros(())


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    return torch.zeros_like(w), torch.zeros_like(b)


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w, b


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    return X.new_zeros(X.shape[1]), X.new_zeros(()), [float(i) for i in range(steps)]

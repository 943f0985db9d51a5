"""Threat: forged results that are small on disk but huge once decoded: one 8 MB tensor named
by twelve outputs (none of which the probe declares) as a list of numbers, written with
the events before the harness runs, then exiting before it writes anything.

Hope: the grader decodes every descriptor, each into two million Python floats (gigabytes
in the grader's process, and every grading beside it in a batch goes down with it), or
takes the forged outputs for results.
Safe outcome: only the outputs a probe declares are decoded, each tensor may be named
once, a list of numbers is a capped 1-d float64 of its stated length, and the decoded size
is budgeted before anything is decoded: the run is refused as malformed, 0 points, and
the grader's memory does not grow (``test_trusted_memory.py`` measures it).
"""

import json
import os

import torch
from safetensors.torch import save_file
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

_out = os.path.join(os.path.dirname(os.getcwd()), "out")
_n = 2 * 2**20
save_file({"big": torch.zeros(_n)}, os.path.join(_out, "fit.safetensors"))
_desc = {"type": "numlist", "pytype": "list", "elem": "float", "key": "big", "len": _n}
with open(os.path.join(_out, "events.jsonl"), "w") as _f:
    for _event in (
            {"event": "loaded", "ok": True, "errors": [], "elapsed_s": 0.0},
            {"event": "start", "probe": "fit"},
            {"event": "done", "probe": "fit", "status": "ok", "error": None,
             "outputs": {f"x{i}": _desc for i in range(12)}, "violations": [],
             "elapsed_s": 0.0, "step_times": []},
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

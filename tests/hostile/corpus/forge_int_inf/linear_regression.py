"""Threat: a forged result whose "integers" are not: a list of ints holding infinity and a
fraction, and an int that is NaN (a Python int cannot hold them).

Hope: the grader's decoder raises something it does not expect (OverflowError) and the
grading crashes, or the values are taken as they are.
Safe outcome: integers are checked to be finite whole numbers before anything is decoded:
the run is refused as malformed, 0 points, and the grader carries on.
"""

import json
import os

import torch
from safetensors.torch import save_file
from torch import Tensor

EARNED: list[str] = []
EXPECT = "malformed"

_out = os.path.join(os.path.dirname(os.getcwd()), "out")
save_file({"fit/w_fit": torch.zeros(3), "fit/b_fit": torch.tensor(float("nan"),
                                                                  dtype=torch.float64),
           "fit/losses": torch.tensor([float("inf"), 0.5], dtype=torch.float64)},
          os.path.join(_out, "fit.safetensors"))
_outputs = {
    "w_fit": {"type": "tensor", "key": "fit/w_fit", "dtype": "float32", "shape": [3],
              "requires_grad": False},
    "b_fit": {"type": "number", "pytype": "int", "key": "fit/b_fit"},
    "losses": {"type": "numlist", "pytype": "list", "elem": "int", "key": "fit/losses",
               "len": 2},
}
with open(os.path.join(_out, "events.jsonl"), "w") as _f:
    for _event in (
            {"event": "loaded", "ok": True, "errors": [], "elapsed_s": 0.0},
            {"event": "start", "probe": "fit"},
            {"event": "done", "probe": "fit", "status": "ok", "error": None,
             "outputs": _outputs, "violations": [], "elapsed_s": 0.0, "step_times": []},
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

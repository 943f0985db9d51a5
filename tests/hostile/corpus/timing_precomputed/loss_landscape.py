"""Threat: the grid computed ahead of time: at import, before anything is timed, the
submission reads the inputs from its job folder and fills the grid with a slow double loop;
the graded call then returns the stored grid at once.

Hope: only the call is timed, and the inputs are in the job folder for anyone to read.
Safe outcome: the timed run gets inputs of its own, drawn apart and handed over only after
the submission has loaded, so nothing stored matches them: the loop runs inside the
measured time, and the time budget fails; every value check scores.
"""

import os

import torch
from safetensors.torch import load_file
from torch import Tensor

EARNED = [
    "loss_grid: the MSE at one (w, b)",
    "loss_grid: values and orientation on a full grid",
    "gd_path: steps = 0 gives just the start point",
    "gd_path: the trajectory (steps + 1 rows)",
]
EXPECT = "over the budget"
TIME_LIMIT_S = 60


def _slow(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    out = torch.empty(len(w_values), len(b_values), dtype=X.dtype)
    for i in range(len(w_values)):
        for j in range(len(b_values)):
            out[i, j] = ((w_values[i] * X + b_values[j] - y) ** 2).mean()
    return out


def _key(*tensors: Tensor) -> tuple:  # type: ignore[type-arg]
    return tuple((tuple(t.shape), str(t.dtype), float(t.double().sum())) for t in tensors)


_STORE: dict = {}  # type: ignore[type-arg]
for _folder in (os.path.dirname(os.getcwd()), os.getcwd()):
    for _name in sorted(os.listdir(_folder)):
        if _name.endswith(".safetensors"):
            try:
                _seen = load_file(os.path.join(_folder, _name))
                _args = [_seen[k] for k in ("X", "y", "w_values", "b_values")]
            except Exception:  # noqa: BLE001, S112
                continue
            _STORE[_key(*_args)] = _slow(*_args)


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    stored = _STORE.get(_key(X, y, w_values, b_values))
    return stored.clone() if stored is not None else _slow(X, y, w_values, b_values)


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w, b = torch.tensor(w0, dtype=X.dtype), torch.tensor(b0, dtype=X.dtype)
    path = [torch.stack([w, b])]
    for _ in range(steps):
        r = w * X + b - y
        w, b = w - lr * 2.0 * (r * X).mean(), b - lr * 2.0 * r.mean()
        path.append(torch.stack([w, b]))
    return torch.stack(path)

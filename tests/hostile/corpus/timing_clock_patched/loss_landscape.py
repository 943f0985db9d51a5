"""Threat: a Python double loop over the grid, with every clock the grader could read
replaced by one that barely moves (`time.perf_counter`, `process_time`, `monotonic`,
`time`, `os.times`, `resource.getrusage`).

Hope: the time budget is measured in the same process with `time.perf_counter`, so the
loop looks instant and passes the "vectorised" check.
Safe outcome: the timed run is measured from outside, by the kernel's CPU accounting of a
process the submission cannot reach: the time budget fails ("over the budget"). Patching
the standard library is also code the rule check cannot follow, so gd_path's rule-bound
checks fail too, flagged for review; the grid's values score.
"""

import os
import resource
import time

import torch
from torch import Tensor

EARNED = [
    "loss_grid: the MSE at one (w, b)",
    "loss_grid: values and orientation on a full grid",
]
EXPECT = "over the budget"
TIME_LIMIT_S = 60

_tick = [0.0]


def _frozen() -> float:
    _tick[0] += 1e-6
    return _tick[0]


time.perf_counter = _frozen
time.process_time = _frozen
time.monotonic = _frozen
time.time = _frozen
os.times = lambda: os.times_result((0.0, 0.0, 0.0, 0.0, 0.0))
resource.getrusage = lambda who: resource.struct_rusage((0.0,) * 16)


def loss_grid(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    out = torch.empty(len(w_values), len(b_values), dtype=X.dtype)
    for i in range(len(w_values)):
        for j in range(len(b_values)):
            out[i, j] = ((w_values[i] * X + b_values[j] - y) ** 2).mean()
    return out


def gd_path(X: Tensor, y: Tensor, w0: float, b0: float, lr: float, steps: int) -> Tensor:
    w, b = torch.tensor(w0, dtype=X.dtype), torch.tensor(b0, dtype=X.dtype)
    path = [torch.stack([w, b])]
    for _ in range(steps):
        r = w * X + b - y
        w, b = w - lr * 2.0 * (r * X).mean(), b - lr * 2.0 * r.mean()
        path.append(torch.stack([w, b]))
    return torch.stack(path)

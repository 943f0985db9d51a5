"""A clean, correct lesson 1.2 submission that also looks for what a hostile one left behind.

Graded right after each hostile submission on the same backend (the same warm pool): it
must still get full marks. It only reads: when it finds a file named ``hostile-*`` in any
scratch folder, a ``HOSTILE_*`` environment variable, a process carrying the corpus's
marker, or any System V object or POSIX message queue where it runs, its predictions are
off by one, so the grading shows that state crossed over.
"""

import os

import torch
from torch import Tensor


def _leftovers() -> list[str]:
    found = []
    home = os.getcwd()
    places = ["/tmp", "/dev/shm", "/var/tmp", home, os.path.dirname(home),
              os.path.dirname(os.path.dirname(home)), os.environ.get("TMPDIR", "/tmp")]
    for place in dict.fromkeys(places):
        try:
            names = os.listdir(place)
        except OSError:
            continue
        found += [os.path.join(place, n) for n in names if n.startswith("hostile")]
    found += [k for k in os.environ if k.startswith("HOSTILE")]
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                found += [f"System V {kind} {row.split()[1]}" for row in f.read().splitlines()[1:]]
        except OSError:
            continue
    try:
        found += [f"message queue {n}" for n in os.listdir("/dev/mqueue")]
    except OSError:
        pass
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"hostile-marker" in f.read():
                        found.append(f"process {pid}")
            except OSError:
                continue
    return found


def predict(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    left = _leftovers()
    if left:
        print("LEFTOVER from an earlier submission:", left)
        return torch.mv(X, w) + b + 1.0
    return torch.mv(X, w) + b


def mse_loss(y_pred: Tensor, y: Tensor) -> Tensor:
    err = y_pred - y
    return (err * err).sum() / err.numel()


def mse_grad(X: Tensor, y: Tensor, w: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    err = torch.mv(X, w) + b - y
    scale = 2.0 / X.shape[0]
    return scale * torch.mv(X.t(), err), scale * err.sum()


def gd_step(w: Tensor, b: Tensor, dw: Tensor, db: Tensor, lr: float) -> tuple[Tensor, Tensor]:
    return w - dw * lr, b - db * lr


def fit(X: Tensor, y: Tensor, lr: float, steps: int) -> tuple[Tensor, Tensor, list[float]]:
    w = X.new_zeros(X.shape[1])
    b = X.new_zeros(())
    losses = []
    for _ in range(steps):
        losses.append(float(mse_loss(torch.mv(X, w) + b, y)))
        w, b = gd_step(w, b, *mse_grad(X, y, w, b), lr)
    return w, b, losses

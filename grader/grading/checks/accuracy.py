"""Trained parameters scored on held-out data, on the trusted side.

The held-out split never enters the sandbox: the student's trained parameters come back
as plain tensors and the reference's forward function scores them here.
"""

from __future__ import annotations

from typing import Any

import torch

from grader.course.datasets import load_dataset
from grader.course.spec import AccuracyCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict


def check_accuracy(check: AccuracyCheck, ctx: CheckContext) -> Verdict:
    params = ctx.student(check.output)
    if params is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    if not isinstance(params, dict) or not all(
            isinstance(v, torch.Tensor) for v in params.values()):
        return Verdict(False, "the trained parameters must be a dict of tensors", comparable=False)
    X, y = load_dataset(ctx.lesson.root, check.dataset, check.split)
    n_classes = int(y.max()) + 1
    if check.classes is not None:  # the rows of those classes, relabelled 0, 1, ...
        wanted = torch.tensor(check.classes, dtype=y.dtype)
        keep = torch.isin(y, wanted)
        X, y = X[keep], (y[keep, None] == wanted).to(torch.int64).argmax(dim=1)
        n_classes = len(check.classes)
    forward = getattr(ctx.reference_module(), check.evaluate)
    try:
        with torch.no_grad():
            out: Any = forward({k: v.to(X.dtype) for k, v in params.items()}, X)
    except Exception as e:  # noqa: BLE001 - wrong shapes from the student's parameters
        return Verdict(False, f"the trained parameters do not fit the network: {str(e)[:200]}",
                       comparable=False)
    scores = out[0] if isinstance(out, tuple) else out
    if not isinstance(scores, torch.Tensor) or scores.shape != (len(y), n_classes):
        return Verdict(False, "the trained parameters give scores of the wrong shape",
                       comparable=False)
    if not torch.isfinite(scores).all():
        return Verdict(False, "the trained network outputs NaN or inf (training diverged?)",
                       comparable=False)
    acc = float((scores.argmax(dim=1) == y).float().mean())
    msg = f"test accuracy {acc:.3f} ({'at least' if acc >= check.threshold else 'below'} " \
          f"the required {check.threshold:.2f})"
    return Verdict(acc >= check.threshold, msg, measured=acc, limit=check.threshold,
                   unit="accuracy", comparable=False)

"""Trained parameters scored on held-out data, on the trusted side.

The held-out split never enters the sandbox: the student's trained parameters come back
as plain tensors and the reference's forward function scores them here, as an accuracy
(``accuracy``: at least the threshold) or as a mean cross-entropy (``held_out_loss``: at
most the threshold), once they have the structure of the reference's own (keys, shapes,
dtype kinds): a forward on parameters the student shaped (biases that broadcast to
gigabytes, a layer count of their choosing) never runs.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from grader.course.datasets import load_dataset
from grader.course.spec import AccuracyCheck, HeldOutCheck, HeldOutLossCheck
from grader.grading.checks.base import MISSING, CheckContext, Verdict
from grader.grading.compare import structure_mismatch


def _scores(check: HeldOutCheck, ctx: CheckContext, dtype: torch.dtype | None,
            classes: list[int] | None = None) -> tuple[torch.Tensor, torch.Tensor] | Verdict:
    """The reference's scores for the held-out inputs with the student's parameters, and
    the labels; or the failing verdict. Parameters are cast to ``dtype`` (floating ones
    only), by default all of them to the inputs' dtype. With ``classes``, only the rows
    labelled one of them, relabelled by their position there, and exactly that many
    scores per row; else at least as many scores as the labels need."""
    params = ctx.student(check.output)
    if params is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    if not isinstance(params, dict) or not all(
            isinstance(v, torch.Tensor) for v in params.values()):
        return Verdict(False, "the trained parameters must be a dict of tensors", comparable=False)
    wrong = None if check.shaped_like == "any" else structure_mismatch(
        params, ctx.expected(check.shaped_like or f"{check.probe}.{check.output}"))
    if wrong:
        return Verdict(False, f"the trained parameters do not have the network's shapes: {wrong}",
                       comparable=False)
    X, y = load_dataset(ctx.lesson.root, check.dataset, check.split)
    if classes is not None:  # the rows of those classes, relabelled 0, 1, ...
        wanted = torch.tensor(classes, dtype=y.dtype)
        keep = torch.isin(y, wanted)
        X, y = X[keep], (y[keep, None] == wanted).to(torch.int64).argmax(dim=1)
    forward = getattr(ctx.reference_module(), check.evaluate)

    def cast(v: torch.Tensor) -> torch.Tensor:
        if dtype is None:
            return v.to(X.dtype)
        return v.to(dtype) if v.is_floating_point() else v

    try:
        with torch.no_grad():
            out: Any = forward({k: cast(v) for k, v in params.items()}, X)
    except Exception as e:  # noqa: BLE001 - wrong shapes from the student's parameters
        return Verdict(False, f"the trained parameters do not fit the network: {str(e)[:200]}",
                       comparable=False)
    scores = out[0] if isinstance(out, tuple) else out
    if not isinstance(scores, torch.Tensor) or scores.dim() != 2 or \
            scores.shape[0] != len(y) or scores.shape[1] <= int(y.max()) or \
            (classes is not None and scores.shape[1] != len(classes)):
        return Verdict(False, "the trained parameters give scores of the wrong shape",
                       comparable=False)
    if not torch.isfinite(scores).all():
        return Verdict(False, "the trained network outputs NaN or inf (training diverged?)",
                       comparable=False)
    return scores, y


def check_accuracy(check: AccuracyCheck, ctx: CheckContext) -> Verdict:
    scored = _scores(check, ctx, None, check.classes)
    if isinstance(scored, Verdict):
        return scored
    scores, y = scored
    if check.classes is None and scores.shape[1] != int(y.max()) + 1:
        return Verdict(False, "the trained parameters give scores of the wrong shape",
                       comparable=False)
    acc = float((scores.argmax(dim=1) == y).float().mean())
    msg = f"test accuracy {acc:.3f} ({'at least' if acc >= check.threshold else 'below'} " \
          f"the required {check.threshold:.2f})"
    return Verdict(acc >= check.threshold, msg, measured=acc, limit=check.threshold,
                   unit="accuracy", comparable=False)


def check_held_out_loss(check: HeldOutLossCheck, ctx: CheckContext) -> Verdict:
    scored = _scores(check, ctx, torch.float32)
    if isinstance(scored, Verdict):
        return scored
    scores, y = scored
    loss = float(F.cross_entropy(scores.to(torch.float64), y))
    ok = loss <= check.threshold
    msg = f"held-out loss {loss:.3f} ({'at most' if ok else 'above'} the required " \
          f"{check.threshold:.3f})"
    return Verdict(ok, msg, measured=loss, limit=check.threshold, unit="loss",
                   comparable=False)

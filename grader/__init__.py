"""The grader for "Learn the Training Loop with PyTorch".

``grade`` (``grader.cli``) is the command; ``check`` grades a notebook's code from inside
the notebook. Importing this package stays light: nothing here imports torch.
"""

from __future__ import annotations

from typing import Any


def check(lesson: str, **kwargs: Any) -> Any:
    """Grade the code cells run so far in this notebook for ``lesson`` (e.g. ``"1.2"``)
    and show the report in the cell; returns the result. See ``grader.delivery.notebook_check``."""
    from grader.delivery.notebook_check import check as _check  # noqa: PLC0415 - imports torch

    return _check(lesson, **kwargs)


__all__ = ["check"]

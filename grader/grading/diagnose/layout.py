"""Right values in the wrong layout: a transposed matrix; a dtype, shape or type that
differs while the values, once converted, are the expected ones."""

from __future__ import annotations

from typing import Any

import torch

from grader.course.spec import RepresentationDiagnoser, TransposedDiagnoser
from grader.grading.checks.base import MISSING
from grader.grading.compare import compare, keeps_precision
from grader.grading.diagnose.base import DiagnoseContext, Hit, is_number, is_number_list


def transposed(_d: TransposedDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    if ctx.actual is MISSING:
        return None
    candidate = _transpose(ctx.expected)
    if ctx.same(candidate, ctx.expected) or not ctx.same(ctx.actual, candidate):
        return None
    return Hit("transposed", "Transposed",
               "Your result is the expected one transposed: rows and columns are swapped. "
               "Check the order of the factors of a matrix product (A.T @ B vs B.T @ A), "
               "the order of the dimensions you build, or an indexing='xy' meshgrid.",
               "your output's transpose matches the expected values")


def _transpose(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.T if value.dim() == 2 else value
    if isinstance(value, (list, tuple)) and not is_number_list(value):
        return type(value)(_transpose(v) for v in value)
    if isinstance(value, dict):
        return {k: _transpose(v) for k, v in value.items()}
    return value


_ORDER = ["shape", "dtype", "type"]
_TEXT = {
    "shape": ("wrong_shape", "Right values, wrong shape",
              "Your values are right but laid out in another shape (a flattened tensor, an "
              "extra dimension of size 1, ...). Return the shape the exercise asks for: "
              "reshape, squeeze or view as the input's shape."),
    "dtype": ("wrong_dtype", "Right values, wrong dtype",
              "Your values are right but their dtype is not the expected one. Compute in "
              "(or convert back to) the dtype of the inputs: a tensor made with torch.tensor "
              "or torch.zeros without dtype=, or a .double() / .float(), changes it."),
    "type": ("tensor_instead_of_number", "Right values, wrong type (tensor or Python number)",
             "Your values are right, but their type is not the one asked for: a tensor "
             "where Python numbers are expected (call .item() on a one-element tensor), or "
             "Python lists where a tensor is expected (torch.stack or torch.tensor them)."),
}


def representation(_d: RepresentationDiagnoser, ctx: DiagnoseContext) -> Hit | None:
    if ctx.actual is MISSING:
        return None
    used: dict[str, str] = {}
    exact = bool(getattr(ctx.check, "exact_dtype", False))
    coerced = _coerce(ctx.actual, ctx.expected, used, exact)
    if not used:
        return None
    if not ctx.same(coerced, ctx.expected):
        # computed in a narrower float dtype (float32 for float64), the values keep only that
        # dtype's digits: right when they are the expected ones rounded to it, within that
        # dtype's own default tolerance
        if "dtype" not in used:
            return None
        mine = _coerce(ctx.actual, ctx.expected, {}, exact, keep_floats=True)
        if not compare(mine, _narrowed(ctx.expected, mine), equal_nan=True, dtypes=False).ok:
            return None
    kind = next(k for k in _ORDER if k in used)
    ident, title, message = _TEXT[kind]
    return Hit(ident, title, message, "; ".join(used[k] for k in _ORDER if k in used))


def _narrowed(e: Any, a: Any) -> Any:
    """``e`` with each float tensor rounded to the narrower float dtype of ``a``'s tensor at
    the same place (``a`` already in ``e``'s structure and shapes)."""
    if isinstance(e, torch.Tensor):
        if isinstance(a, torch.Tensor) and e.is_floating_point() and a.is_floating_point() \
                and not keeps_precision(a.dtype, e.dtype):
            return e.to(a.dtype)
        return e
    if isinstance(e, (list, tuple)) and isinstance(a, (list, tuple)) and len(a) == len(e):
        return type(e)(_narrowed(x, y) for x, y in zip(e, a, strict=True))
    if isinstance(e, dict) and isinstance(a, dict) and set(a) == set(e):
        return {k: _narrowed(e[k], a[k]) for k in e}
    return e


def _coerce(a: Any, e: Any, used: dict[str, str], exact_dtype: bool,
            keep_floats: bool = False) -> Any:
    """``a`` converted toward ``e``'s representation, noting each conversion in ``used``
    (``keep_floats``: a float tensor keeps its own float dtype)."""
    if isinstance(e, torch.Tensor):
        if not isinstance(a, torch.Tensor):
            if not (_numbers(a) and (e.dim() > 0 or is_number(a))):
                return a
            try:
                t = torch.tensor(a, dtype=e.dtype)
            except (TypeError, ValueError, RuntimeError):  # ragged nested lists
                return a
            if t.numel() != e.numel():
                return a
            used.setdefault("type", "received a Python number, expected a tensor"
                            if is_number(a) else
                            f"received a {type(a).__name__} of numbers, expected a tensor")
            a = t
        if tuple(a.shape) != tuple(e.shape) and a.numel() == e.numel():
            used.setdefault("shape", f"received shape {tuple(a.shape)}, expected "
                                     f"{tuple(e.shape)}")
            a = a.reshape(e.shape)
        if a.dtype != e.dtype and (exact_dtype or a.is_floating_point() != e.is_floating_point()
                                   or not keeps_precision(a.dtype, e.dtype)):
            used.setdefault("dtype", f"received dtype {str(a.dtype)[6:]}, expected "
                                     f"{str(e.dtype)[6:]}")
            if not (keep_floats and a.is_floating_point() and e.is_floating_point()):
                a = a.to(e.dtype)
        return a
    if is_number(e):
        if isinstance(a, torch.Tensor) and a.numel() == 1 and not isinstance(e, bool):
            used.setdefault("type", "received a one-element tensor, expected a Python number")
            return float(a.detach().reshape(()))
        return a
    if isinstance(e, (list, tuple)):
        if isinstance(a, torch.Tensor) and is_number_list(e) and a.dim() == 1 \
                and a.shape[0] == len(e):
            used.setdefault("type", "received a tensor, expected a list of Python numbers")
            return [float(x) for x in a.tolist()]
        if isinstance(a, (list, tuple)) and len(a) == len(e):
            return type(e)(_coerce(x, y, used, exact_dtype, keep_floats)
                           for x, y in zip(a, e, strict=True))
        return a
    if isinstance(e, dict) and isinstance(a, dict) and set(a) == set(e):
        return {k: _coerce(a[k], e[k], used, exact_dtype, keep_floats) for k in e}
    return a


def _numbers(v: Any) -> bool:
    """A number, or (nested) lists and tuples of numbers only."""
    if is_number(v):
        return True
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(_numbers(x) for x in v)

"""Compare a student's result with the expected one and say how they differ.

Checks run in a fixed order, like ``torch.testing.assert_close``: structure and type,
then shape, then dtype, then finiteness, then closeness. The outcome carries the measured
error and the allowed one, and a message of the form "received X, expected Y, at index Z".

Tolerances are the grader's, never the student's: an explicit ``rtol``/``atol`` from the
spec, else the default for the *expected* dtype (the reference's, or ``like``'s: what the
reference returns for this very output when the values come from another oracle). A
result in a dtype that keeps less precision than the expected one (bfloat16 or float16 for
float32, float32 for float64, int32 for int64) fails as a dtype problem instead of buying a
looser tolerance; a wider one (float64 for float32) is fine unless the spec asks for the
exact dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from grader.harness.values import Unsupported

# (rtol, atol) by the expected dtype, as torch.testing uses
DEFAULT_TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}
# how much of a value a dtype keeps, within its kind (float16 and bfloat16 are each less
# than the other: neither stands in for the other)
_PRECISION: dict[torch.dtype, tuple[str, int]] = {
    torch.float64: ("float", 3), torch.float32: ("float", 2),
    torch.float16: ("half", 1), torch.bfloat16: ("bhalf", 1),
    torch.int64: ("int", 4), torch.int32: ("int", 3), torch.int16: ("int", 2),
    torch.int8: ("int", 1), torch.uint8: ("uint", 1), torch.bool: ("bool", 0),
}
_LARGEST = float(np.finfo(np.float64).max)
_SAME = object()  # ``like`` not given: the expected value is its own dtype template


def keeps_precision(actual: torch.dtype, expected: torch.dtype) -> bool:
    """True when ``actual`` holds every value of ``expected`` (the same dtype, or a wider one
    of the same kind: float64 for float32, int64 for int32, float32 for a half type)."""
    if actual == expected:
        return True
    a_kind, a_rank = _PRECISION.get(actual, ("?", -1))
    e_kind, e_rank = _PRECISION.get(expected, ("?", -1))
    if e_kind in ("half", "bhalf"):
        e_kind = "float"
    if e_kind == "uint":
        e_kind = "int"  # any signed int wider than uint8 holds it
        e_rank = 1
    if e_kind == "bool":
        return a_kind in ("int", "uint")
    return a_kind == e_kind and a_rank > e_rank


@dataclass
class Comparison:
    ok: bool
    message: str = ""
    error: float | None = None  # measured max |actual - expected|
    tolerance: float | None = None  # allowed at that element: atol + rtol * |expected|
    structural: bool = False  # failed before values could be compared


def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {str(value.dtype)[6:]}"
    if isinstance(value, bool):
        return "a bool"
    if isinstance(value, (int, float)):
        return f"a Python {type(value).__name__}"
    if isinstance(value, (list, tuple)):
        inner = ""
        if value:
            kinds = sorted({_kind(v) for v in value})
            inner = f" of {', '.join(kinds)}"
        return f"a {type(value).__name__} of length {len(value)}{inner}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)[:8]}"
    if value is None:
        return "None"
    if isinstance(value, Unsupported):
        return f"an object of type {value.name}"
    return f"a {type(value).__name__}"


def _kind(value: Any) -> str:
    """What an item of a list is, in a word or two: "Tensor", "float", "numpy.ndarray"."""
    if isinstance(value, torch.Tensor):
        return "Tensor"
    if isinstance(value, Unsupported):
        return value.name
    return type(value).__name__


def _index(flat_i: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    idx = []
    for s in reversed(shape):
        idx.append(flat_i % s if s else 0)
        flat_i //= s if s else 1
    return tuple(reversed(idx))


def _short(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def compare_tensors(actual: torch.Tensor, expected: torch.Tensor, rtol: float | None,
                    atol: float | None, *, atol_per_step: float = 0.0,
                    exact_dtype: bool = False, equal_nan: bool = False,
                    like: torch.dtype | None = None, dtypes: bool = True,
                    nonzero_only: bool = False) -> Comparison:
    """``like``: the dtype the reference returns here (default: ``expected``'s), which sets
    the dtype rule and the default tolerances; ``dtypes=False`` compares values only (two
    outputs of the student's own, or of known-mistake variants)."""
    want = expected.dtype if like is None else like
    if tuple(actual.shape) != tuple(expected.shape):
        hint = ""
        if actual.dim() == expected.dim() + 1 and actual.shape[-1] == 1:
            hint = " (an extra trailing dimension of size 1: check (n, 1) vs (n,) broadcasting)"
        elif actual.dim() == 2 and expected.dim() == 1 and actual.shape[0] == actual.shape[1]:
            hint = " ((n, 1) minus (n,) broadcasts to (n, n): check the shapes you subtract)"
        elif tuple(actual.shape) == tuple(reversed(expected.shape)) and actual.dim() == 2:
            hint = " (transposed?)"
        return Comparison(False, f"received shape {tuple(actual.shape)}, expected "
                                 f"{tuple(expected.shape)}{hint}", structural=True)
    if expected.is_floating_point() and not (actual.is_floating_point()):
        return Comparison(False, f"received dtype {str(actual.dtype)[6:]}, expected a floating "
                                 f"dtype like {str(expected.dtype)[6:]}", structural=True)
    if not expected.is_floating_point() and actual.is_floating_point():
        return Comparison(False, f"received dtype {str(actual.dtype)[6:]}, expected an integer "
                                 f"dtype like {str(expected.dtype)[6:]}", structural=True)
    if dtypes and exact_dtype and actual.dtype != want:
        return Comparison(False, f"received dtype {_short(actual.dtype)}, expected "
                                 f"{_short(want)}", structural=True)
    if dtypes and not keeps_precision(actual.dtype, want):
        return Comparison(False, f"received dtype {_short(actual.dtype)}, expected "
                                 f"{_short(want)}: {_short(actual.dtype)} keeps less precision "
                                 f"than {_short(want)}, so the values cannot be checked to "
                                 f"{_short(want)}'s tolerance (return {_short(want)})",
                          structural=True)
    if nonzero_only:
        # entries zero in either tensor are left out (set to 0 in both, so indices still
        # point into the whole tensor); NaN is nonzero and stays in
        both = (actual != 0) & (expected != 0)
        if not both.any():
            return Comparison(False, "no entry is nonzero in both the received and the expected "
                                     "tensor, so there is nothing to compare", structural=True)
        actual = torch.where(both, actual, torch.zeros((), dtype=actual.dtype))
        expected = torch.where(both, expected, torch.zeros((), dtype=expected.dtype))
    if not expected.is_floating_point():
        diff = actual.to(torch.int64) != expected.to(torch.int64)
        if diff.any():
            i = int(diff.flatten().nonzero()[0])
            at = _index(i, tuple(expected.shape))
            # (the error is the largest difference, as for floats: 25 for 25 against 0)
            gap = (actual.to(torch.int64) - expected.to(torch.int64)).abs().max()
            return Comparison(False, f"received {actual.flatten()[i].item()}, expected "
                                     f"{expected.flatten()[i].item()}, at index {at} "
                                     f"({int(diff.sum())} of {diff.numel()} differ)",
                              error=float(gap), tolerance=0.0)
        return Comparison(True, error=0.0, tolerance=0.0)
    tolerance_dtype = want if want in DEFAULT_TOLERANCES else expected.dtype
    d_rtol, d_atol = DEFAULT_TOLERANCES.get(tolerance_dtype, DEFAULT_TOLERANCES[torch.float64])
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    # the values, in float64 numpy arrays: the same IEEE operations as torch's, without the
    # dispatch of two dozen torch calls (a comparison took ~150 us, most of a check's time)
    a = actual.detach().to("cpu", torch.float64).resolve_neg().numpy()
    e = expected.detach().to("cpu", torch.float64).resolve_neg().numpy()
    with np.errstate(all="ignore"):
        return _compare_values(a, e, rtol, atol, atol_per_step, equal_nan)


def _compare_values(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
                    atol_per_step: float, equal_nan: bool) -> Comparison:
    """The closeness of two float64 arrays of one shape (``compare_tensors``' last stage)."""
    if equal_nan:
        a_nan, e_nan = np.isnan(a), np.isnan(e)
        if not (a_nan == e_nan).all():
            return Comparison(False, "NaN in different places", structural=True)
        a = np.where(a_nan, 0.0, a)
        e = np.where(e_nan, 0.0, e)
    a_finite, e_finite = np.isfinite(a), np.isfinite(e)
    bad = ~a_finite & e_finite
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        what = "NaN" if np.isnan(a.flat[i]) else "inf"
        return Comparison(False, f"received {what} at index {_index(i, e.shape)} "
                                 f"({int(bad.sum())} of {bad.size} values are not finite), "
                                 f"expected {float(e.flat[i]):.6g}", structural=True)
    if e.size == 0:
        return Comparison(True, error=0.0, tolerance=atol)
    floor: float | np.ndarray = atol  # grows by atol_per_step with each step (row)
    if atol_per_step and e.ndim >= 1:
        steps = np.arange(e.shape[0], dtype=np.float64).reshape([e.shape[0]] + [1] * (e.ndim - 1))
        floor = atol + atol_per_step * np.broadcast_to(steps, e.shape)
    allowed = floor + rtol * np.abs(e)
    # a difference past float64's range counts as its largest value (as torch's nan_to_num
    # has it; numpy's own costs ~45 us a call)
    if a_finite.all() and e_finite.all():
        err = np.minimum(np.abs(a - e), _LARGEST)
    else:
        # an infinite expected value is matched only by the same infinity: its relative
        # tolerance is infinite, and no finite value is close to it
        allowed = np.where(np.isinf(e), 0.0, allowed)
        both_inf = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
        err = np.minimum(np.where(both_inf, 0.0, np.abs(a - e)), _LARGEST)
        err = np.where(np.isnan(err), np.inf, err)  # a NaN where a number is expected
    excess = np.where(err == 0, 0.0, err / allowed)  # 0/0 (exact, zero tolerance): no excess
    worst = int(np.argmax(excess))
    tol_there = float(allowed.flat[worst])
    if (err <= allowed).all():
        return Comparison(True, error=float(err.max()), tolerance=tol_there)
    at = _index(worst, e.shape)
    n_bad = int((err > allowed).sum())
    where = f", at index {at}" if e.ndim else ""
    msg = (f"received {float(a.flat[worst]):.6g}, expected {float(e.flat[worst]):.6g}"
           f"{where} (|difference| {float(err.flat[worst]):.3g} > allowed {tol_there:.3g}; "
           f"{n_bad} of {e.size} values differ)")
    return Comparison(False, msg, error=float(err.flat[worst]), tolerance=tol_there)


def _child(like: Any, key: Any) -> Any:
    """``like``'s part at ``key``, or ``_SAME`` where its structure does not follow."""
    try:
        return like[key] if like is not _SAME else _SAME
    except (KeyError, IndexError, TypeError):
        return _SAME


def structure_mismatch(actual: Any, expected: Any, path: str = "") -> str | None:
    """Why ``actual`` does not have the structure of ``expected`` (container types, keys,
    lengths, tensor shapes and dtype kinds), or None. Nothing is computed from the values:
    it is what makes a student's output safe to compute with on the trusted side."""
    where = f" in {path}" if path else ""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            return f"received {describe(actual)}{where}, expected {describe(expected)}"
        if tuple(actual.shape) != tuple(expected.shape):
            return (f"received shape {tuple(actual.shape)}{where}, expected "
                    f"{tuple(expected.shape)}")
        if actual.is_floating_point() != expected.is_floating_point() or \
                (actual.dtype == torch.bool) != (expected.dtype == torch.bool):
            return (f"received dtype {str(actual.dtype)[6:]}{where}, expected one like "
                    f"{str(expected.dtype)[6:]}")
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"received {describe(actual)}{where}, expected {describe(expected)}"
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual))
            extra = sorted(set(actual) - set(expected))
            return "; ".join(part for part in (
                f"missing keys {missing[:8]}" if missing else "",
                f"unexpected keys {extra[:8]}" if extra else "") if part) + where
        for k in expected:
            why = structure_mismatch(actual[k], expected[k], f"{path}[{k!r}]" if path else repr(k))
            if why:
                return why
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or len(actual) != len(expected):
            return f"received {describe(actual)}{where}, expected {describe(expected)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            why = structure_mismatch(a, e, f"{path}[{i}]")
            if why:
                return why
        return None
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return None if type(actual) is type(expected) else \
            f"received {describe(actual)}{where}, expected {describe(expected)}"
    if isinstance(expected, (int, float)):
        return None if isinstance(actual, (int, float)) and not isinstance(actual, bool) else \
            f"received {describe(actual)}{where}, expected a Python number"
    return f"cannot compare with {describe(expected)}"


def compare(actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None,
            *, atol_per_step: float = 0.0, exact_dtype: bool = False,
            equal_nan: bool = False, nonzero_only: bool = False, path: str = "",
            like: Any = _SAME, dtypes: bool = True) -> Comparison:
    """Compare two decoded results of any supported structure (``nonzero_only``: tensors are
    compared only where both are nonzero, and must have such an entry).

    ``like`` is what the reference returns for this output when ``expected`` comes from
    elsewhere (a closed-form oracle in float64 for a float32 exercise): its dtypes set the
    dtype rule and the default tolerances. ``dtypes=False`` compares values only."""
    where = f" in {path}" if path else ""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            return Comparison(False, f"received {describe(actual)}{where}, expected "
                                     f"{describe(expected)}", structural=True)
        c = compare_tensors(actual, expected, rtol, atol, atol_per_step=atol_per_step,
                            exact_dtype=exact_dtype, equal_nan=equal_nan,
                            like=like.dtype if isinstance(like, torch.Tensor) else None,
                            dtypes=dtypes, nonzero_only=nonzero_only)
        if path and c.message:
            c.message = f"{path}: {c.message}"
        return c
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        ok = type(actual) is type(expected) and actual == expected
        return Comparison(ok, "" if ok else f"received {actual!r}{where}, expected {expected!r}",
                          structural=not ok)
    if isinstance(expected, (int, float)):
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            hint = " (call .item() to get a Python number)" if isinstance(actual, torch.Tensor) \
                else ""
            return Comparison(False, f"received {describe(actual)}{where}, expected a Python "
                                     f"number{hint}", structural=True)
        return compare(torch.tensor(float(actual), dtype=torch.float64),
                       torch.tensor(float(expected), dtype=torch.float64),
                       rtol if rtol is not None else DEFAULT_TOLERANCES[torch.float32][0],
                       atol if atol is not None else DEFAULT_TOLERANCES[torch.float32][1],
                       equal_nan=equal_nan, path=path)
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)):
            return Comparison(False, f"received {describe(actual)}{where}, expected "
                                     f"{describe(expected)}", structural=True)
        if len(actual) != len(expected):
            return Comparison(False, f"received {len(actual)} items{where}, expected "
                                     f"{len(expected)}", structural=True)
        if expected and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                            for x in expected):
            bad = [x for x in actual if isinstance(x, bool) or not isinstance(x, (int, float))]
            if bad:
                hint = " (call .item() on each value)" if isinstance(bad[0], torch.Tensor) else ""
                return Comparison(False, f"received {describe(actual)}{where}, expected a list "
                                         f"of Python numbers{hint}", structural=True)
            return compare(torch.tensor([float(x) for x in actual], dtype=torch.float64),
                           torch.tensor([float(x) for x in expected], dtype=torch.float64),
                           rtol if rtol is not None else DEFAULT_TOLERANCES[torch.float32][0],
                           atol if atol is not None else DEFAULT_TOLERANCES[torch.float32][1],
                           atol_per_step=atol_per_step, equal_nan=equal_nan, path=path)
        worst = Comparison(True, error=0.0, tolerance=0.0)
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            c = compare(a, e, rtol, atol, atol_per_step=atol_per_step, exact_dtype=exact_dtype,
                        equal_nan=equal_nan, nonzero_only=nonzero_only, path=f"{path}[{i}]",
                        like=_child(like, i), dtypes=dtypes)
            if not c.ok:
                return c
            if c.error is not None and (worst.error is None or c.error > worst.error):
                worst = c
        return worst
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return Comparison(False, f"received {describe(actual)}{where}, expected "
                                     f"{describe(expected)}", structural=True)
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if extra:
                parts.append(f"unexpected keys {extra}")
            return Comparison(False, f"{'; '.join(parts)}{where}", structural=True)
        worst = Comparison(True, error=0.0, tolerance=0.0)
        for k in expected:
            c = compare(actual[k], expected[k], rtol, atol, atol_per_step=atol_per_step,
                        exact_dtype=exact_dtype, equal_nan=equal_nan, nonzero_only=nonzero_only,
                        path=f"{path}[{k!r}]" if path else repr(k), like=_child(like, k),
                        dtypes=dtypes)
            if not c.ok:
                return c
            if c.error is not None and (worst.error is None or c.error > worst.error):
                worst = c
        return worst
    return Comparison(False, f"cannot compare with {describe(expected)}", structural=True)

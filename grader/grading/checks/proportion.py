"""Statistical checks: the fraction of an output's entries that count as successes against a
known probability, with an exact binomial acceptance interval.

The entries of the output are taken as independent trials, each a success (by the check's
``count`` rule: a nonzero entry is one that dropout kept) with probability ``p``. Then the
number of successes K is Binomial(n, p), and the check accepts K in [lo, hi]: the central
interval whose lower tail P(K < lo) and upper tail P(K > hi) are each at most alpha / 2,
computed from the binomial distribution itself (not a normal approximation). A correct
output therefore fails with probability at most alpha, the check's ``false_failure_rate``,
whatever n and p are; a wrong probability q fails as soon as n is large enough for the two
intervals to separate (the power is the spec author's to size: see the lesson's tests).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from grader.course.spec import ProportionCheck
from grader.errors import GraderFault
from grader.grading.checks.base import MISSING, CheckContext, Verdict

# the tails are summed in float64; this relative margin keeps rounding (of lgamma for large n
# and of the sums) on the side of accepting, so the bound alpha holds as stated
_ROUNDING_MARGIN = 1e-6


def binomial_acceptance(n: int, p: float, alpha: float) -> tuple[int, int]:
    """The smallest lo and largest hi with P(K < lo) <= alpha/2 and P(K > hi) <= alpha/2
    for K ~ Binomial(n, p): the counts a correct output gives except with probability alpha.

    Only a window of counts around n*p is summed; the mass outside it is bounded by
    Hoeffding's inequality (exp(-2 t^2 / n) on each side) and added to the tails, so the
    interval is never narrower than the exact one.
    """
    if n < 0 or not 0.0 <= p <= 1.0 or not 0.0 < alpha < 1.0:
        raise ValueError(f"binomial_acceptance needs n >= 0, 0 <= p <= 1 and 0 < alpha < 1 "
                         f"(got n={n}, p={p}, alpha={alpha})")
    if p == 0.0:
        return 0, 0
    if p == 1.0:
        return n, n
    half = alpha / 2 * (1 - _ROUNDING_MARGIN)
    outside = half * 1e-6  # Hoeffding bound allowed for the mass beyond the window, per side
    t = math.sqrt(n * math.log(1 / outside) / 2)
    first = max(0, math.floor(n * p - t) - 1)
    last = min(n, math.ceil(n * p + t) + 1)
    k = torch.arange(first, last + 1, dtype=torch.float64)
    log_pmf = (math.lgamma(n + 1) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)
               + k * math.log(p) + (n - k) * math.log1p(-p))
    pmf = log_pmf.exp()
    below = outside if first > 0 else 0.0  # P(K < first), at most
    above = outside if last < n else 0.0  # P(K > last), at most
    at_most = below + torch.cumsum(pmf, 0)  # P(K <= k), never underestimated
    at_least = above + torch.cumsum(pmf.flip(0), 0).flip(0)  # P(K >= k)
    # k is rejected when a tail beyond it, k included, is already within alpha/2; the lower
    # tail grows with k and the upper one shrinks, so the accepted counts are one interval
    accepted = ((at_most > half) & (at_least > half)).nonzero().flatten()
    if accepted.numel() == 0:  # pragma: no cover - impossible for alpha < 1
        mode = min(n, math.floor((n + 1) * p))
        return mode, mode
    return first + int(accepted[0]), first + int(accepted[-1])


def proportions_agree(k1: int, n1: int, k2: int, n2: int, alpha: float) -> bool:
    """Whether two counts are consistent with one and the same probability: their fractions
    differ by less than Hoeffding's bound for a difference of two means, which two samples
    of equal probability exceed with probability at most alpha."""
    if n1 <= 0 or n2 <= 0:
        return False
    t = math.sqrt((1 / n1 + 1 / n2) * math.log(2 / alpha) / 2)
    return abs(k1 / n1 - k2 / n2) <= t


def successes(value: Any, count: str) -> tuple[int, int] | str:
    """(successes, trials) in a tensor output, or why it cannot be counted."""
    if not isinstance(value, torch.Tensor):
        return f"expected a tensor, received a {type(value).__name__}"
    if value.numel() == 0:
        return "the output is empty: there is nothing to count"
    if value.is_floating_point() and not bool(torch.isfinite(value).all()):
        bad = int((~torch.isfinite(value)).sum())
        return f"{bad} of {value.numel()} values are NaN or inf"
    nonzero = int(torch.count_nonzero(value))
    k = nonzero if count == "nonzero" else value.numel() - nonzero
    return k, value.numel()


def expected_probability(check: ProportionCheck, ctx: CheckContext) -> float:
    """The probability the check compares with: the spec's number, or one the trusted side
    computed (a float or a one-element tensor in [0, 1])."""
    if check.probability is not None:
        return check.probability
    assert check.expected is not None
    value = ctx.expected(check.expected)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = float(value.reshape(()))
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 <= float(value) <= 1.0:
        raise GraderFault(f"check {check.name!r}: expected {check.expected!r} is not a "
                          f"probability: {value!r}")
    return float(value)


def check_proportion(check: ProportionCheck, ctx: CheckContext) -> Verdict:
    value = ctx.student(check.output)
    if value is MISSING:
        return Verdict(False, f"no output `{check.output}`", comparable=False)
    if check.shape_of is not None and isinstance(value, torch.Tensor):
        like = ctx.expected(check.shape_of)
        if isinstance(like, torch.Tensor) and tuple(value.shape) != tuple(like.shape):
            return Verdict(False, f"received shape {tuple(value.shape)}, expected "
                                  f"{tuple(like.shape)}", comparable=False)
    counted = successes(value, check.count)
    if isinstance(counted, str):
        return Verdict(False, counted, comparable=False)
    k, n = counted
    p = expected_probability(check, ctx)
    lo, hi = binomial_acceptance(n, p, check.false_failure_rate)
    what = "nonzero" if check.count == "nonzero" else "zero"
    frac = k / n
    ok = lo <= k <= hi
    # the distance to the expected fraction, beside the allowed one on that side
    allowed = (hi / n - p) if frac >= p else (p - lo / n)
    msg = (f"{k} of {n} entries are {what} (a fraction of {frac:.4f}); with probability "
           f"{p:.4g} for each entry, a correct output has {lo}..{hi} ({lo / n:.4f}.."
           f"{hi / n:.4f}) except with probability {check.false_failure_rate:g}")
    return Verdict(ok, "" if ok else msg, error=abs(frac - p), tolerance=allowed)

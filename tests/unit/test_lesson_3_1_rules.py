"""Lesson 3.1's rule: the optimizers are written by hand, never delegated to torch.optim.

Every optimizer step of the spec is marked ``no_builtin_optimizers``. A submission whose
class hands the work to torch.optim's own algorithm must lose those points, with a message
that says why, through the real grading path (sandbox, source scan, runtime watcher).
"""

from __future__ import annotations

import pytest

from grader.course.lessons import get_lesson
from tests.conftest import grade_source

LESSON = get_lesson("3.1")
REFERENCE = LESSON.reference_source()
ADAM_CHECKS = {"Adam: trajectory", "Adam: state",
               "Adam: step(closure) and parameters without gradients"}


def _lost(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.name: c.message for c in result.checks if c.status != "passed"}


def test_every_optimizer_step_is_guarded() -> None:
    for probe in LESSON.spec.probes:
        assert all(step.no_builtin_optimizers for step in probe.steps), probe.id


@pytest.mark.slow
@pytest.mark.parametrize("delegation", [
    # a subclass of torch's Adam
    "class Adam(torch.optim.Adam):\n    pass\n",
    # a hand-written class that forwards its step to a torch.optim.Adam inside it
    "class Adam(Adam):\n"
    "    def step(self, closure=None):\n"
    "        if not hasattr(self, 'inner'):\n"
    "            self.inner = torch.optim.Adam(self.param_groups)\n"
    "        return self.inner.step(closure)\n",
], ids=["subclass", "forwarding"])
def test_delegating_to_torch_adam_loses_the_points_with_a_clear_message(delegation: str) -> None:
    source = REFERENCE + "\n\n" + delegation
    result = grade_source("3.1", source, seed=5)
    lost = _lost(result)
    # the source scan covers the whole file: the rule is broken, so no optimizer check counts
    assert set(lost) == {c.name for c in LESSON.spec.checks}
    assert result.score == 0
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "torch.optim.Adam" in text)
    scan = (f"line {line} uses optim.Adam: write the algorithm yourself "
            "(only torch.optim.Optimizer is allowed) (not accepted)")
    for name, message in lost.items():
        if name in ADAM_CHECKS:  # seen at run time too, which the feedback then reports
            assert message in {scan, *(f"`{helper}` called one of torch.optim's own algorithms "
                                       "(not accepted)"
                                       for helper in ("optimizer_trajectory",
                                                      "optimizer_protocol"))}, name
        else:  # the other optimizers are the reference's: only the source scan objects
            assert message == scan, name
    assert not result.mistakes


# A class looked up by a computed name cannot be followed by the source scan: every
# rule-bound check fails, naming the construct and its line, and the result is flagged for
# review (the watcher in the sandbox sees the delegation too, while the student's Adam
# steps; the scan's message, which names the line, is the one shown).
HIDDEN = "_Base = getattr(torch.optim, 'Ad' + 'am')\n\n\nclass Adam(_Base):\n    pass\n"


@pytest.mark.slow
def test_hidden_delegation_fails_every_rule_bound_check_and_is_flagged() -> None:
    source = REFERENCE + "\n\n" + HIDDEN
    result = grade_source("3.1", source, seed=5)
    lost = _lost(result)
    assert set(lost) == {c.name for c in LESSON.spec.checks}
    assert result.score == 0
    line = next(i for i, text in enumerate(source.splitlines(), 1) if "getattr" in text)
    for name, message in lost.items():
        assert message.startswith(f"line {line} uses `getattr` with a computed name"), name
        assert "Flagged for review" in message
    assert any(f"line {line}: `getattr` with a computed name" in r for r in result.review)


# Calling conventions: a closure run without autograd, and a decay applied to a parameter
# that has no gradient. The closure never shows in the trajectories (they pass none), only in
# the class's own convention check; the decay shows there too, and in AdamW's trajectory on
# its boundary case (a parameter without a gradient at every other step).
CONVENTIONS = '''
class SGD(SGD):
    @torch.no_grad()
    def step(self, closure=None):
        loss = closure() if closure is not None else None  # no torch.enable_grad()
        super().step()
        return loss


class AdamW(AdamW):
    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:  # should be skipped, not decayed
                    p.mul_(1 - group["lr"] * group["weight_decay"])
        return super().step(closure)
'''


@pytest.mark.slow
def test_broken_calling_conventions_lose_only_their_checks() -> None:
    result = grade_source("3.1", REFERENCE + "\n\n" + CONVENTIONS, seed=5)
    lost = _lost(result)
    assert set(lost) == {"SGD: step(closure) and parameters without gradients",
                         "AdamW: step(closure) and parameters without gradients",
                         "AdamW: trajectory"}
    assert lost["AdamW: trajectory"].startswith(
        "boundary case 'a parameter without a gradient at every other step'")
    assert lost["SGD: step(closure) and parameters without gradients"].startswith(
        "received 'step(closure) raised RuntimeError: element 0 of tensors does not require "
        "grad")
    assert lost["AdamW: step(closure) and parameters without gradients"].startswith(
        "received False in 'param_without_grad_unchanged', expected True. Hint: ")

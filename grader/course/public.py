"""Public checks of the student release: expected outputs on fixed inputs, stored as data.

``grade release`` (on the instructor's side, where the reference exists) draws one fixed
set of inputs per lesson, runs the reference and the known-mistake variants on them and
stores what they return (``grader.delivery.release.write_public``). In the release,
where no reference code and no hidden check data exist, the grader reads those stored
outputs instead of running the reference.

A check is public when its ``visibility`` is ``visible`` and it needs nothing but stored
outputs: value checks (``close``, ``equal``) and properties of the student's own outputs
(``nonincreasing``, ``same``, ``proportion``). Accuracy on held-out data, time budgets
against the reference, and quiz answers stay hidden: they run on submission.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.course.spec import LessonSpec, load_spec

if TYPE_CHECKING:
    import torch

PUBLIC_KINDS = {"close", "equal", "nonincreasing", "same", "proportion"}
SPEC_FILE = "spec.json"
INDEX_FILE = "index.json"
DATA_FILE = "data.safetensors"


def public_spec(spec: LessonSpec) -> LessonSpec | None:
    """The spec restricted to its public checks, the probes they read and the mistakes they
    can name; None when a lesson has no public check."""
    checks = [c for c in spec.checks if c.visibility == "visible" and c.kind in PUBLIC_KINDS]
    if not checks:
        return None
    names = {c.name for c in checks}
    needed = {c.probe for c in checks}
    needed |= {ref.split(".")[0] for c in checks for field in ("expected", "shape_of")
               if (ref := getattr(c, field, None))}
    mistakes = [m.model_copy(update={
        "loses": [n for n in m.loses if n in names],
        "variants": [v if isinstance(v, str) or v.loses is None else
                     v.model_copy(update={"loses": [n for n in v.loses if n in names]})
                     for v in m.variants]})
        for m in spec.mistakes if names & m.all_loses]
    diagnose = [d.model_copy(update={"checks": [n for n in d.checks if n in names]})
                for d in spec.diagnose if names & set(d.checks)]
    return LessonSpec.model_validate({
        **spec.model_dump(mode="json", exclude={"checks", "probes", "mistakes", "diagnose"}),
        "checks": [c.model_dump(mode="json") for c in checks],
        "probes": [p.model_dump(mode="json") for p in spec.probes if p.id in needed],
        "mistakes": [m.model_dump(mode="json") for m in mistakes],
        "diagnose": [d.model_dump(mode="json") for d in diagnose],
    })


@dataclass
class StoredRun:
    """What the release grades against: fixed inputs and the stored expected outputs."""

    seed: int
    inputs: dict[str, torch.Tensor]
    dims: dict[str, int]
    oracle: StoredOracle
    hidden_checks: int
    hidden_points: int


class StoredOracle:
    """The ``Oracle`` interface over stored outputs (no reference code is run)."""

    def __init__(self, index: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self._index = index
        self._tensors = tensors

    def outputs(self, probe: Any, variant: str | None = None) -> dict[str, Any] | None:
        from grader.harness.values import decode  # noqa: PLC0415

        if variant is None:
            desc = self._index["expected"][probe.id]
        else:
            desc = self._index["variants"].get(variant, {}).get(probe.id)
        return None if desc is None else decode(desc, self._tensors)

    def module(self, key: str) -> Any:
        raise RuntimeError(f"the student release has no {key} code")


def load_public(public_dir: Path) -> StoredRun:
    from safetensors.torch import load_file  # noqa: PLC0415

    index = json.loads((public_dir / INDEX_FILE).read_text(encoding="utf-8"))
    tensors = load_file(str(public_dir / DATA_FILE))
    inputs = {k: tensors[f"input/{k}"] for k in index["inputs"]}
    return StoredRun(int(index["seed"]), inputs, {k: int(v) for k, v in index["dims"].items()},
                     StoredOracle(index, tensors), int(index["hidden_checks"]),
                     int(index["hidden_points"]))


def load_public_spec(public_dir: Path) -> LessonSpec:
    return load_spec(public_dir / SPEC_FILE)

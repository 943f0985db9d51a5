"""Pydantic models of a lesson's grading spec (``reference/<id>/spec.toml``).

A spec is data, never code: it names the inputs to draw, the probes to run in the
sandbox (calls into the student's module), the checks that compare a probe's outputs
with the reference's, the rules (no autograd, no built-in optimizers), the known
mistakes and the limits. Validation errors name the file and the field.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from grader.course import expr
from grader.errors import SpecError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- inputs

Dim = int | str  # a literal size or the name of a drawn dimension


class InputSpec(_Strict):
    """One named input drawn fresh from the run's seed (on the trusted side)."""

    dist: Literal[
        "randn", "rand", "uniform", "normal", "randint", "choice", "linspace",
        "seed", "dataset", "linear_targets", "class_labels", "const",
    ]
    shape: list[Dim] = Field(default_factory=list)
    dtype: Literal["float32", "float64", "int64", "bool"] = "float32"
    low: float | None = None
    high: float | None = None
    mean: float = 0.0
    std: float = 1.0
    values: list[float | int | str] | None = None  # choice / const
    num: Dim | None = None  # linspace
    # dataset: a table's "X" or "y" of a split ("train" by default: held-out splits never
    # enter the sandbox), or one tensor of a ``tensors`` dataset by name (no split)
    dataset: str | None = None
    split: Literal["train"] | None = None
    field: str | None = Field(default=None, min_length=1, max_length=200)
    # linear_targets: y = X @ w + b + noise * N(0, 1)
    X: str | None = None
    w: str | None = None
    b: str | None = None
    noise: float = 0.0
    classes: Dim | None = None  # class_labels

    @model_validator(mode="after")
    def _needs(self) -> InputSpec:
        need: dict[str, tuple[str, ...]] = {
            "uniform": ("low", "high"),
            "randint": ("low", "high"),
            "choice": ("values",),
            "const": ("values",),
            "linspace": ("low", "high", "num"),
            "dataset": ("dataset", "field"),
            "linear_targets": ("X", "w"),
            "class_labels": ("classes",),
        }
        missing = [f for f in need.get(self.dist, ()) if getattr(self, f) is None]
        if missing:
            raise ValueError(f"dist={self.dist!r} needs {', '.join(missing)}")
        return self


# --------------------------------------------------------------------------- probes

class Step(_Strict):
    """One step of a probe: call the student's code, a harness helper or a method.

    Arguments are JSON-like values; a string ``"$name"`` refers to an input, a drawn
    dimension or an earlier step's output; ``{"float": "$lr"}`` / ``{"int": ...}``
    convert a 0-d tensor to a Python number.
    """

    call: str | None = None  # a function or class in the student's module
    use: str | None = None  # a helper of the harness library (builders, routines)
    method: str | None = None  # a method of ``on``
    get: str | None = None  # read an attribute of the student's module (a quiz's ANSWERS)
    on: str | None = None
    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    out: str | list[str] | None = None  # name, or names to unpack a tuple into
    no_autograd: bool = False  # the call may not use autograd (reported, check fails)
    no_builtin_optimizers: bool = False  # the call may not use torch.optim's algorithms
    # torch's functions, classes and tensor methods the call may not use, by name
    # ("softmax": torch.softmax, F.softmax, x.softmax(...) alike; "DataLoader")
    forbid: list[str] = Field(default_factory=list, max_length=64)

    @model_validator(mode="after")
    def _one_target(self) -> Step:
        targets = [t for t in (self.call, self.use, self.method, self.get) if t is not None]
        if len(targets) != 1:
            raise ValueError("a step needs exactly one of 'call', 'use', 'method' or 'get'")
        if self.method is not None and self.on is None:
            raise ValueError("a 'method' step needs 'on'")
        if self.forbid and self.call is None:
            raise ValueError("'forbid' belongs on a 'call' step (what that function runs is "
                             "read for the names)")
        bad = [n for n in self.forbid if not n.isidentifier()]
        if bad:
            raise ValueError(f"'forbid' takes names (softmax, DataLoader), not {bad[0]!r}")
        return self


class Expect(_Strict):
    """Where the expected outputs of a probe come from (trusted side)."""

    module: str = "reference"  # "reference" or an importable oracle such as "torch.optim"
    rename: dict[str, str] = Field(default_factory=dict)  # student name -> oracle name


class ProbeCase(_Strict):
    """A boundary case every grading includes besides the random draw: the probe runs once
    more, as its own instance, on inputs drawn with some dims fixed (``dims = { n = 64,
    batch_size = 16 }``) and some inputs changed (``inputs = { X = { dtype = "float64" } }``,
    any fields of the input's spec). A check on the probe fails if any case fails, and says
    which."""

    name: str = Field(min_length=1, max_length=80)
    dims: dict[str, int] = Field(default_factory=dict)
    inputs: dict[str, dict[str, Any]] = Field(default_factory=dict)


SCOPE_SEP = "__"  # "<probe>__<scope>": a probe run on a scope's inputs (a case, the timed run)


def scope_of(probe_id: str) -> str:
    """The input scope a probe instance runs in ("" for the random draw)."""
    return probe_id.split(SCOPE_SEP, 1)[1] if SCOPE_SEP in probe_id else ""


def base_of(probe_id: str) -> str:
    """The spec's probe an instance is of."""
    return probe_id.split(SCOPE_SEP, 1)[0]


class Probe(_Strict):
    """A sequence of steps run in one namespace; ``outputs`` are what comes back."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    steps: list[Step]
    outputs: list[str]
    timeout_s: float = Field(default=20.0, gt=0, le=600)
    seed_global_rng: bool = True  # torch.manual_seed(run seed) before the probe, both sides
    trusted_only: bool = False  # never run in the sandbox: an oracle for other checks
    expect: Expect = Field(default_factory=Expect)
    cases: list[ProbeCase] = Field(default_factory=list, max_length=8)
    # where the probe runs, in order of preference, each with the path it grades there
    # (shown in the result's notes): it runs on the first device the sandbox has (CUDA only
    # when the grading was given a GPU), "cpu" at the latest, and its steps see the device's
    # name as "$device". Empty: the probe is not about devices (no "$device").
    devices: dict[Literal["cuda", "cpu"], str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _plain_id(self) -> Probe:
        if SCOPE_SEP in self.id:
            raise ValueError(f"a probe id may not contain {SCOPE_SEP!r} (it names instances)")
        return self

    @model_validator(mode="after")
    def _cpu_last(self) -> Probe:
        if self.devices and list(self.devices)[-1] != "cpu":
            raise ValueError("devices: the last device must be \"cpu\" (every sandbox has it: "
                             "the path graded where there is no GPU)")
        if self.devices and self.trusted_only:
            raise ValueError("devices: a trusted_only probe runs on the grader's side only")
        if any(not text.strip() for text in self.devices.values()):
            raise ValueError("devices: say which path each device grades (shown in notes)")
        return self


# --------------------------------------------------------------------------- diagnosers

class _Diagnoser(_Strict):
    """A generic diagnoser (``grader/grading/diagnose/``) configured for some checks: when a
    check fails and no known-mistake variant reproduces the output, it tests one kind of
    evidence (a constant factor, a transpose, a shift by one step, a re-run of the reference
    with changed inputs, ...) and, when it holds within the check's tolerance on the whole
    output, names the mistake: the known ``mistake`` given, or its own ``id``/``title``/
    ``message``, or the diagnoser's generic name."""

    checks: list[str] = Field(default_factory=list)  # lesson-level entries: which checks
    mistake: str | None = None  # name this known mistake (its title and message)
    id: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    title: str | None = None
    message: str | None = None

    @model_validator(mode="after")
    def _naming(self) -> _Diagnoser:
        if self.mistake is not None and (self.id or self.title or self.message):
            raise ValueError("name a known `mistake` or give `id`, `title` and `message`, "
                             "not both")
        if self.id is not None and not (self.title and self.message):
            raise ValueError("a diagnoser with its own `id` needs a `title` and a `message`")
        if self.id is None and (self.title or self.message):
            raise ValueError("`title` and `message` need an `id`")
        return self

    @property
    def named(self) -> bool:
        return self.mistake is not None or self.id is not None


class ScaledDiagnoser(_Diagnoser):
    """The output is the expected one times ``by`` (an expression over inputs and dims:
    ``"2"``, ``"0.5"``, ``"-1"``, ``"n"``, ``"1 / batch_size"``, ``"lr"``)."""

    kind: Literal["scaled"]
    by: str


class TransposedDiagnoser(_Diagnoser):
    """A matrix output is the expected one transposed (on by default)."""

    kind: Literal["transposed"]


class RepresentationDiagnoser(_Diagnoser):
    """The values are right but their dtype, shape or type is not (on by default)."""

    kind: Literal["representation"]


ShiftDirection = Literal["missing_last", "missing_first", "extra_last", "extra_first",
                         "ahead", "behind"]


class _SequenceDiagnoser(_Diagnoser):
    # "leaves": dim 0 of every tensor in the output (and a list of numbers); "list": the
    # items of the output list itself (a list of index batches)
    along: Literal["leaves", "list"] = "leaves"


class ShiftedDiagnoser(_SequenceDiagnoser):
    """A sequence off by one step: the last or first entry missing or extra, or every
    entry one step ahead of (or behind) where it belongs."""

    kind: Literal["shifted"]
    directions: list[ShiftDirection] = Field(
        default_factory=lambda: ["missing_last", "missing_first", "extra_last", "extra_first",
                                 "ahead", "behind"])


class AliasedDiagnoser(_SequenceDiagnoser):
    """Every entry of a sequence equals the expected last one: snapshots that all alias
    one tensor updated in place."""

    kind: Literal["aliased"]


class FrozenDiagnoser(_SequenceDiagnoser):
    """The sequence never changes where the expected one does: nothing was updated."""

    kind: Literal["frozen"]


class RerunDiagnoser(_Diagnoser):
    """The output equals the reference's re-run with some inputs replaced (``replace``:
    input or dim name -> expression): hyperparameters swapped or complemented, the
    learning rate doubled or halved, a step count one short, the last batch dropped."""

    kind: Literal["rerun"]
    replace: dict[str, str] = Field(min_length=1)


class PermutationDiagnoser(_Diagnoser):
    """An index order that is a valid rearrangement (same batch sizes, every index once)
    but not the expected one: randomness from the wrong source."""

    kind: Literal["permutation"]


class NondeterministicDiagnoser(_Diagnoser):
    """For a ``same`` check: two identically seeded runs differ."""

    kind: Literal["nondeterministic"]


class OtherAnswerDiagnoser(_Diagnoser):
    """For a numeric quiz question: the answer is the key's answer to another question."""

    kind: Literal["other_answer"]


class NonfiniteDiagnoser(_Diagnoser):
    """The values are right wherever they are finite, and NaN or inf where the expected
    ones are finite: a formula that overflows."""

    kind: Literal["nonfinite"]


class FirstDivergenceDiagnoser(_Diagnoser):
    """Names nothing: locates where a trajectory first leaves the expected one (step,
    parameter and its group, element) and, given the per-step ``state`` (a dotted path
    into the probe's outputs), whether the state or the update diverged first."""

    kind: Literal["first_divergence"]
    state: str | None = None
    groups: list[list[int]] = Field(default_factory=list)  # parameter indices per group


Diagnoser = Annotated[
    ScaledDiagnoser | TransposedDiagnoser | RepresentationDiagnoser | ShiftedDiagnoser
    | AliasedDiagnoser | FrozenDiagnoser | RerunDiagnoser | PermutationDiagnoser
    | NondeterministicDiagnoser | OtherAnswerDiagnoser | NonfiniteDiagnoser
    | FirstDivergenceDiagnoser,
    Field(discriminator="kind"),
]
# the check kinds each diagnoser can read
DIAGNOSER_CHECK_KINDS: dict[str, set[str]] = {
    "scaled": {"close", "equal", "quiz"}, "transposed": {"close", "equal"},
    "representation": {"close", "equal"}, "shifted": {"close", "equal"},
    "aliased": {"close", "equal"}, "frozen": {"close", "equal"},
    "rerun": {"close", "equal"}, "permutation": {"close", "equal"},
    "nondeterministic": {"same"}, "other_answer": {"quiz"},
    "nonfinite": {"close", "equal"}, "first_divergence": {"close", "equal"},
}


# --------------------------------------------------------------------------- checks

class _CheckBase(_Strict):
    name: str = Field(min_length=1, max_length=120)
    points: int = Field(ge=0, le=100)
    probe: str
    output: str  # dotted path into the probe's outputs
    hint: str | None = None  # shown when the check fails and no mistake is recognised
    # who sees the check: "visible" checks are also the public checks of the student release
    # (expected outputs on fixed inputs shipped as data); the others run only on submission
    # (Gradescope shows "after_due_date" ones after the deadline, "hidden" ones never).
    visibility: Literal["visible", "after_due_date", "after_published", "hidden"] = "visible"
    # diagnosers for this check, tried when it fails and no known-mistake variant matches
    diagnose: list[Diagnoser] = Field(default_factory=list)


class CloseCheck(_CheckBase):
    """Student output close to the expected one: type, shape, dtype, finite, values."""

    kind: Literal["close"] = "close"
    expected: str | None = None  # "<probe>.<path>"; default: the same probe and path
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)
    atol_per_step: float = Field(default=0.0, ge=0)  # trajectories: atol grows along dim 0
    exact_dtype: bool = False  # require the very dtype (not just its kind)
    # compare only the entries nonzero in both (an output with entries dropped at random, such
    # as dropout's: which entries survive is a ``proportion`` check's business); at least one
    nonzero_only: bool = False


class EqualCheck(_CheckBase):
    """Exact equality (index orders, counts, lengths)."""

    kind: Literal["equal"] = "equal"
    expected: str | None = None
    exact_dtype: bool = False  # require the very dtype (a narrower one always fails)


class MonotoneCheck(_CheckBase):
    """A sequence that must not increase (losses under gradient descent)."""

    kind: Literal["nonincreasing"] = "nonincreasing"
    slack: float = Field(default=1e-4, ge=0)  # relative: float32 sums wiggle ~1e-5 at a plateau


class SameCheck(_CheckBase):
    """Two outputs of the same probe must be equal (reproducibility)."""

    kind: Literal["same"] = "same"
    other: str


class HeldOutCheck(_CheckBase):
    """Trained parameters scored on a dataset's held-out split, on the trusted side, by a
    function of the reference."""

    evaluate: str  # a function of the reference: (params, X) -> scores or (scores, cache)
    dataset: str
    split: Literal["test"] = "test"
    # "<probe>.<path>": an expected output with the structure (keys, shapes, dtype kinds) the
    # trained parameters must have before ``evaluate`` runs on them, such as a trusted_only
    # probe that initialises the same network; default: the reference's own output of this
    # check's probe (which trains it: slower). "any": the student chooses the architecture,
    # and ``evaluate`` itself checks what it gets (a model built from the shapes, loaded
    # strictly) without computing on anything larger than the parameters
    shaped_like: str | None = None


class AccuracyCheck(HeldOutCheck):
    """Trained parameters scored on held-out data by the reference's forward function: the
    accuracy must be at least ``threshold``."""

    kind: Literal["accuracy"] = "accuracy"
    threshold: float = Field(gt=0, le=1)
    # score only the rows labelled one of these, relabelled by their position here (a task
    # on some of the classes: [5, 6, 7, 8, 9] -> labels 0-4); default: every row
    classes: list[int] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _distinct_classes(self) -> AccuracyCheck:
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise ValueError("classes must be distinct")
        return self


class HeldOutLossCheck(HeldOutCheck):
    """Trained parameters scored on held-out data by the reference's forward function: the
    mean cross-entropy (nats) of its scores for the labels must be at most ``threshold``."""

    kind: Literal["held_out_loss"] = "held_out_loss"
    threshold: float = Field(gt=0)


class TimeBudgetCheck(_CheckBase):
    """A probe must not be much slower than the reference's step ``step`` (a Python loop
    where a vectorised expression belongs). The probe runs once more on fresh inputs in a
    process of its own, timed from outside by the kernel's CPU accounting
    (``grader/harness/timed.py``); its ``output`` must still match the reference's there
    (within ``rtol``/``atol``, by default the expected dtype's). The budget is ``max_ratio``
    times the reference's time, and never below ``min_seconds``."""

    kind: Literal["time_budget"] = "time_budget"
    step: int = Field(default=0, ge=0)
    max_ratio: float = Field(default=10.0, gt=1)
    min_seconds: float = Field(default=0.05, ge=0)
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)


class ProportionCheck(_CheckBase):
    """The fraction of entries of a tensor output that count as successes (``count``) is
    consistent with independent trials of a known probability: the count must lie in the
    exact binomial interval that a correct output misses with probability at most
    ``false_failure_rate`` (see ``grader/grading/checks/proportion.py``)."""

    kind: Literal["proportion"] = "proportion"
    count: Literal["nonzero", "zero"] = "nonzero"  # which entries are successes
    probability: float | None = Field(default=None, ge=0, le=1)  # a fixed probability, or
    expected: str | None = None  # "<probe>.<path>": a number computed on the trusted side
    shape_of: str | None = None  # "<probe>.<path>": a tensor whose shape the output must have
    false_failure_rate: float = Field(gt=0, le=1e-6)

    @model_validator(mode="after")
    def _one_probability(self) -> ProportionCheck:
        if (self.probability is None) == (self.expected is None):
            raise ValueError("a proportion check needs exactly one of 'probability' or "
                             "'expected'")
        return self


class QuizCheck(_CheckBase):
    """Answers to a quiz compared with the hidden key (``key.toml`` beside the spec)."""

    kind: Literal["quiz"] = "quiz"
    question: str


Check = Annotated[
    CloseCheck | EqualCheck | MonotoneCheck | SameCheck | AccuracyCheck | HeldOutLossCheck
    | TimeBudgetCheck | QuizCheck | ProportionCheck,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- lesson

class VariantFile(_Strict):
    """Another way to write a mistake, which may show in other checks than the first."""

    file: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # mistakes/<file>.py
    loses: list[str] | None = None  # default: the mistake's own `loses`


# A correct submission may lose a statistical check only by bad luck: the rates of a lesson's
# statistical checks add up (a union bound) to at most this, per grading.
MAX_FALSE_FAILURE_RATE = 1e-6


class Mistake(_Strict):
    """A known mistake: an override file in ``mistakes/`` and the teaching message."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    message: str
    loses: list[str]  # names of the checks it fails (the tests hold it to exactly these)
    # other ways to write the same mistake: more override files mistakes/<name>.py, each
    # recognised like the first and held to the same `loses` (or to its own)
    variants: list[str | VariantFile] = Field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """The override files (stems) whose outputs show this mistake."""
        return [self.id] + [v if isinstance(v, str) else v.file for v in self.variants]

    def loses_of(self, stem: str) -> list[str]:
        """The checks the variant file ``stem`` fails."""
        for v in self.variants:
            if isinstance(v, VariantFile) and v.file == stem and v.loses is not None:
                return v.loses
        return self.loses

    @property
    def all_loses(self) -> set[str]:
        """Every check one of its variant files fails."""
        return {n for stem in self.files for n in self.loses_of(stem)}


class Limits(_Strict):
    """What a submission may use in the sandbox: the one place the defaults live (a
    lesson's ``[limits]`` overrides any of them; docs/spec-format.md lists them)."""

    time_s: float = Field(default=120.0, gt=0, le=3600)  # wall time for the whole sandbox run
    load_timeout_s: float = Field(default=30.0, gt=0, le=600)  # importing the submission
    memory_mb: int = Field(default=3072, ge=256, le=65536)
    max_processes: int = Field(default=64, ge=1, le=4096)  # processes and threads at once
    max_file_mb: int = Field(default=64, ge=1, le=4096)  # each file
    max_output_kb: int = Field(default=64, ge=1, le=10240)  # stdout and stderr, each
    scratch_mb: int = Field(default=256, ge=1, le=65536)  # all files written, together
    max_files: int = Field(default=2000, ge=10, le=1_000_000)  # files and folders made
    open_files: int = Field(default=256, ge=32, le=65536)  # open at once (RLIMIT_NOFILE)
    watch_poll_s: float = Field(default=0.1, ge=0.01, le=5.0)  # how often files are counted


ModuleName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
                                  max_length=200)]
# what a lesson's code may import lazily unless its spec says otherwise, and what the warm
# workers of a pool that grades any lesson import before they fork a job: torch.optim's
# first step and torch.func import torch._dynamo (over 800 modules, about 1.5 s), which
# every forked job of an optimizer lesson would otherwise pay again
WARM_IMPORTS_DEFAULT = ("torch._dynamo",)


class LessonInfo(_Strict):
    id: str = Field(pattern=r"^[1-9]\.[1-9][0-9]?$")
    title: str
    stem: str = Field(pattern=r"^[a-z][a-z0-9_]*$")  # student's file name without suffix
    module: int = Field(ge=1, le=9)
    # what the lesson's code imports lazily the first time it runs, which a warm worker
    # grading only this lesson (a lane of `grade batch`) imports once before it forks any
    # job: torch.optim's first step and torch.func import torch._dynamo (~1.5 s each time
    # otherwise). [] where nothing is: the worker then starts ~1.5 s of CPU sooner.
    warm_imports: tuple[ModuleName, ...] = Field(default=WARM_IMPORTS_DEFAULT, max_length=8)


class LessonSpec(_Strict):
    lesson: LessonInfo
    limits: Limits = Field(default_factory=Limits)
    dims: dict[str, tuple[int, int]] = Field(default_factory=dict)
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    probes: list[Probe]
    checks: list[Check]
    mistakes: list[Mistake] = Field(default_factory=list)
    # diagnosers for several checks at once (each entry lists its `checks`)
    diagnose: list[Diagnoser] = Field(default_factory=list)
    _probe_ids: dict[str, Probe] = PrivateAttr(default_factory=dict)  # ``probe``'s

    @model_validator(mode="before")
    @classmethod
    def _default_kind(cls, raw: Any) -> Any:
        """A check without ``kind`` is a ``close`` check."""
        if isinstance(raw, dict) and isinstance(raw.get("checks"), list):
            raw = {**raw, "checks": [{"kind": "close", **c} if isinstance(c, dict) else c
                                     for c in raw["checks"]]}
        return raw

    @model_validator(mode="after")
    def _cross_references(self) -> LessonSpec:
        probes = {p.id: p for p in self.probes}
        if len(probes) != len(self.probes):
            raise ValueError("probe ids must be unique")
        names = [c.name for c in self.checks]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"check names must be unique: {sorted(dup)}")
        for c in self.checks:
            if c.probe not in probes:
                raise ValueError(f"check {c.name!r}: unknown probe {c.probe!r}")
            if probes[c.probe].trusted_only:
                raise ValueError(f"check {c.name!r}: probe {c.probe!r} is trusted_only")
            head = c.output.split(".")[0]
            if head not in probes[c.probe].outputs:
                raise ValueError(f"check {c.name!r}: probe {c.probe!r} has no output {head!r}")
            for field in ("expected", "shape_of", "shaped_like"):
                ref = getattr(c, field, None)
                if ref not in (None, "any") and ref.split(".")[0] not in probes:
                    raise ValueError(f"check {c.name!r}: {field} {ref!r} names no probe")
        for m in self.mistakes:
            unknown = [n for n in m.all_loses if n not in names]
            if unknown:
                raise ValueError(f"mistake {m.id!r}: loses unknown checks {unknown}")
        # a check runs on the random draw and on each boundary case of its probe
        rate = sum(c.false_failure_rate * (1 + len(probes[c.probe].cases))
                   for c in self.checks if isinstance(c, ProportionCheck))
        if rate > MAX_FALSE_FAILURE_RATE * (1 + 1e-9):
            raise ValueError(f"the statistical checks' false_failure_rate add up to {rate:g}: "
                             f"at most {MAX_FALSE_FAILURE_RATE:g} per grading")
        if any(p.devices for p in self.probes) and "device" in {*self.dims, *self.inputs}:
            raise ValueError("'device' names the device of a probe with devices: no input or "
                             "dim may be called so")
        for lo, hi in self.dims.values():
            if lo > hi:
                raise ValueError("a dim range must be [low, high] with low <= high")
        stems = [f for m in self.mistakes for f in m.files]
        if len(stems) != len(set(stems)):
            raise ValueError("mistake ids and variant files must be unique")
        self._check_diagnosers()
        for p in self.probes:
            self._check_cases(p)
        return self

    def _check_diagnosers(self) -> None:
        checks = {c.name: c for c in self.checks}
        mistakes = {m.id: m for m in self.mistakes}
        known = set(self.inputs) | set(self.dims)
        entries = [(d, [c.name], f"check {c.name!r}") for c in self.checks for d in c.diagnose]
        entries += [(d, d.checks, f"diagnose[{i}]") for i, d in enumerate(self.diagnose)]
        for d, names, where in entries:
            if where.startswith("check") and d.checks:
                raise ValueError(f"{where}: a diagnoser of a check takes no `checks`")
            if not names:
                raise ValueError(f"{where}: a lesson-level diagnoser needs `checks`")
            for name in names:
                if name not in checks:
                    raise ValueError(f"{where}: unknown check {name!r}")
                if checks[name].kind not in DIAGNOSER_CHECK_KINDS[d.kind]:
                    raise ValueError(f"{where}: a {d.kind!r} diagnoser cannot read the "
                                     f"{checks[name].kind!r} check {name!r}")
                if d.mistake is not None:
                    if d.mistake not in mistakes:
                        raise ValueError(f"{where}: unknown mistake {d.mistake!r}")
                    if name not in mistakes[d.mistake].all_loses:
                        raise ValueError(f"{where}: mistake {d.mistake!r} does not lose "
                                         f"{name!r}, so it cannot be named there")
            texts = [d.by] if isinstance(d, ScaledDiagnoser) else []
            if isinstance(d, RerunDiagnoser):
                unknown = set(d.replace) - known
                if unknown:
                    raise ValueError(f"{where}: replaces unknown inputs {sorted(unknown)}")
                texts += list(d.replace.values())
            if isinstance(d, RerunDiagnoser) and not d.named:
                raise ValueError(f"{where}: a rerun diagnoser needs a name (`mistake` or `id`)")
            for text in texts:
                try:
                    unknown = expr.names(text) - known
                except expr.ExpressionError as e:
                    raise ValueError(f"{where}: {e}") from None
                if unknown:
                    raise ValueError(f"{where}: {text!r} names unknown inputs {sorted(unknown)}")

    def diagnosers(self, check_name: str) -> list[Any]:
        """The diagnosers configured for a check: its own, then the lesson-level ones."""
        check = next(c for c in self.checks if c.name == check_name)
        return list(check.diagnose) + [d for d in self.diagnose if check_name in d.checks]

    def _check_cases(self, probe: Probe) -> None:
        if probe.cases and probe.trusted_only:
            raise ValueError(f"probe {probe.id!r}: a trusted_only probe has no cases (a case "
                             "of the probe that reads it runs it in the case's scope)")
        names = [c.name for c in probe.cases]
        if len(set(names)) != len(names):
            raise ValueError(f"probe {probe.id!r}: case names must be unique")
        for case in probe.cases:
            where = f"probe {probe.id!r}, case {case.name!r}"
            unknown = sorted(set(case.dims) - set(self.dims))
            if unknown:
                raise ValueError(f"{where}: unknown dims {unknown}")
            if any(v < 0 for v in case.dims.values()):
                raise ValueError(f"{where}: a dim is a size, 0 or more")
            if not case.dims and not case.inputs:
                raise ValueError(f"{where}: changes nothing (give dims or inputs)")
            for name, change in case.inputs.items():
                if name not in self.inputs:
                    raise ValueError(f"{where}: unknown input {name!r}")
                try:
                    InputSpec.model_validate({**self.inputs[name].model_dump(exclude_unset=True),
                                              **change})
                except ValidationError as e:
                    problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or name}: "
                                         f"{err['msg']}" for err in e.errors())
                    raise ValueError(f"{where}: input {name!r}: {problems}") from None

    def case_input(self, case: ProbeCase, name: str) -> InputSpec:
        """Input ``name``'s spec in ``case``."""
        base = self.inputs[name]
        if name not in case.inputs:
            return base
        return InputSpec.model_validate({**base.model_dump(exclude_unset=True),
                                         **case.inputs[name]})

    def case_scopes(self, probe_id: str) -> list[tuple[str, ProbeCase]]:
        """(scope, case) for each boundary case of a probe."""
        probe = self.probe(probe_id)
        return [(f"{probe.id}_c{i}", case) for i, case in enumerate(probe.cases)]

    def case_of(self, scope: str) -> ProbeCase | None:
        """The case a scope stands for (None for the random draw or the timed run)."""
        owner, _, index = scope.rpartition("_c")
        if not owner or not index.isdigit():
            return None
        probe = next((p for p in self.probes if p.id == owner), None)
        return probe.cases[int(index)] if probe and int(index) < len(probe.cases) else None

    def instances(self, probe_id: str) -> list[Probe]:
        """The probe as it runs: on the random draw, then once per boundary case."""
        return [self.probe(probe_id)] + [self.probe(f"{probe_id}{SCOPE_SEP}{scope}")
                                         for scope, _ in self.case_scopes(probe_id)]

    def sandbox_probes(self) -> list[Probe]:
        """Every probe instance that runs in the sandbox (the timed runs aside)."""
        return [inst for p in self.probes if not p.trusted_only for inst in self.instances(p.id)]

    def referenced_instances(self) -> list[Probe]:
        """Instances of other probes that checks read on a boundary case of their own probe
        (an ``expected`` of another probe, taken in that case's scope): the oracle runs
        them on the trusted side, as it does the sandbox's."""
        ids: dict[str, None] = {}
        for c in self.checks:
            for field in ("expected", "shape_of", "shaped_like"):
                ref = getattr(c, field, None)
                head = ref.split(".")[0] if ref not in (None, "any") else None
                if head not in (None, c.probe):
                    ids.update({f"{head}{SCOPE_SEP}{scope}": None
                                for scope, _ in self.case_scopes(c.probe)})
        return [self.probe(i) for i in ids]

    def timed_probes(self) -> list[str]:
        """Ids of the probes a time budget times."""
        return sorted({c.probe for c in self.checks if isinstance(c, TimeBudgetCheck)})

    def datasets(self) -> set[str]:
        """The datasets the spec names (inputs and held-out checks)."""
        names = {i.dataset for i in self.inputs.values() if i.dataset}
        return names | {c.dataset for c in self.checks if isinstance(c, HeldOutCheck)}

    @property
    def max_score(self) -> int:
        return sum(c.points for c in self.checks)

    def probe(self, probe_id: str) -> Probe:
        """A probe by id, or an instance of one in a scope (``"<probe>__<scope>"``: the
        same steps on the scope's inputs, under that id). Kept once made: a grading looks
        probes up ~70 times, and a spec never changes (frozen)."""
        found = self._probe_ids.get(probe_id)
        if found is None:
            base = base_of(probe_id)
            probe = next(p for p in self.probes if p.id == base)
            found = probe if base == probe_id else \
                probe.model_copy(update={"id": probe_id, "cases": []})
            self._probe_ids[probe_id] = found
        return found


def _field_path(loc: tuple[Any, ...], raw: dict[str, Any]) -> str:
    """Render a pydantic error location like ``checks[2] ("dw").rtol``."""
    out = ""
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            label = ""
            if isinstance(node, list) and 0 <= part < len(node) and isinstance(node[part], dict):
                key = node[part].get("name") or node[part].get("id")
                label = f" ({key!r})" if key else ""
            out += f"[{part}]{label}"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
        else:
            if part in {"close", "equal", "nonincreasing", "same", "accuracy", "held_out_loss",
                        "quiz", "time_budget", "proportion"} | set(DIAGNOSER_CHECK_KINDS):
                continue  # discriminator tag, not a field
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def load_spec(path: Path) -> LessonSpec:
    """Read and validate a spec file (TOML, or JSON for the public spec of a student
    release); errors name the file and the field."""
    fmt, parse, bad = (("JSON", json.loads, json.JSONDecodeError) if path.suffix == ".json"
                       else ("TOML", tomllib.loads, tomllib.TOMLDecodeError))
    try:
        raw = parse(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SpecError(f"{path}: cannot read: {e.strerror}") from None
    except bad as e:
        raise SpecError(f"{path}: not valid {fmt}: {e}") from None
    return _validate(raw, path)


def _validate(raw: Any, path: Path) -> LessonSpec:
    try:
        return LessonSpec.model_validate(raw)
    except ValidationError as e:
        lines = [f"{path}: invalid grading spec ({e.error_count()} problem(s))"]
        for err in e.errors():
            lines.append(f"  {_field_path(err['loc'], raw)}: {err['msg']}")
        raise SpecError("\n".join(lines)) from None

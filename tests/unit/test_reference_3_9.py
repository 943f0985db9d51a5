"""Lesson 3.9: the shipped pretrained network is what its README says; frozen tensors come
out of the reference exactly as they went in (so an exact check means "unchanged"); each
known mistake is far from the reference wherever it loses points and equal elsewhere;
correct solutions stay well inside the tolerances; and the digits run clears the accuracy
threshold with a margin."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest
import torch
from safetensors import safe_open

from grader.course.datasets import dataset_info, datasets_dir, load_dataset, load_tensors
from grader.course.inputs import draw_inputs
from grader.course.lessons import get_lesson
from grader.course.spec import AccuracyCheck
from grader.grading.oracle import Oracle
from grader.harness.library import class_subset
from tests.conftest import ROOT, grade_source
from tests.unit.mistake_margins import mistake_margins, solution_ratios

LESSON = get_lesson("3.9", ROOT)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return LESSON.reference_module()


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """One thread, as in the sandbox (small matrices on a shared machine: many threads are
    many times slower)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_pretrained_network_fits_the_stub_and_knows_the_digits_0_to_4(ref):
    info = dataset_info(ROOT, "digits_pretrained")
    path = datasets_dir(ROOT) / "digits_pretrained" / info.file
    assert path.stat().st_size < 64 * 1024  # a few dozen KB, far below a few hundred
    weights = load_tensors(ROOT, "digits_pretrained")
    stub = types.ModuleType("stub")
    exec(compile(LESSON.stub_path.read_text(), str(LESSON.stub_path), "exec"), stub.__dict__)
    model = stub.DigitsNet(5)
    model.load_state_dict(weights, strict=True)  # the very names and shapes of DigitsNet
    model.eval()
    X, y = class_subset(*load_dataset(ROOT, "digits", "test"), [0, 1, 2, 3, 4])
    with torch.no_grad():
        acc = float((model(X).argmax(dim=1) == y).float().mean())
    assert acc > 0.97
    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    assert meta["classes"] == "0,1,2,3,4"
    assert abs(float(meta["test_accuracy_0_4"]) - acc) < 1e-3
    # the scorer of the accuracy check computes what the module computes in eval mode
    torch.testing.assert_close(ref.digits_net_logits(weights, X), model(X).detach())


def test_frozen_tensors_come_out_of_the_reference_bitwise_as_they_went_in():
    weights = load_tensors(ROOT, "digits_pretrained")
    inputs, dims = draw_inputs(LESSON.spec, 5, ROOT)
    oracle = Oracle(LESSON, {**inputs, **dims}, 5)
    tune = oracle.outputs(LESSON.spec.probe("tune"))
    assert tune is not None
    for name, value in {**tune["frozen_params"], **tune["frozen_buffers"]}.items():
        assert name.startswith("block1.") and torch.equal(value, weights[name])
        assert value.dtype == weights[name].dtype
    assert len(tune["frozen_params"]) == 3 and len(tune["frozen_buffers"]) == 3
    for name, value in tune["trained"].items():  # and everything else moved
        assert not torch.equal(value, weights[name]) or name == "head.bias", name
    linear = oracle.outputs(LESSON.spec.probe("tune_linear"))
    assert linear is not None
    for name, value in linear["backbone"].items():
        assert torch.equal(value, weights[name]), name


@pytest.mark.slow  # every mistake on several seeds: seconds, with no sandbox
def test_every_mistake_is_far_from_the_reference_where_it_loses():
    # on the boundary cases too, as grading does: drops_full_last_batch shows only where the
    # batch size divides m, which no random draw reaches
    margins = mistake_margins(LESSON, range(100, 115), margin=10.0, cases=True)
    assert not margins.surprises, margins.surprises[:5]


def test_reference_and_alternatives_stay_well_inside_the_tolerances():
    files = [LESSON.reference_dir / "solution.py",
             *sorted((ROOT / "tests" / "solutions" / "3.9").glob("*.py"))]
    worst = solution_ratios(LESSON, files, range(100, 110))
    assert len({name for name, _ in worst}) == len(files) >= 3
    assert max(worst.values()) < 0.5, max(worst.items(), key=lambda kv: kv[1])


def test_the_digits_run_clears_the_threshold_with_a_margin(ref):
    check = next(c for c in LESSON.spec.checks if isinstance(c, AccuracyCheck))
    weights = load_tensors(ROOT, "digits_pretrained")
    X, y = class_subset(*load_dataset(ROOT, "digits", "train"), check.classes or [])
    X_test, y_test = class_subset(*load_dataset(ROOT, "digits", "test"), check.classes or [])
    accs = []
    for seed in range(6):
        g = torch.Generator().manual_seed(seed)
        model = ref.DigitsNet(5)
        model.load_state_dict(weights)
        ref.freeze(model, "block1")
        ref.replace_head(model, 5, g)
        ref.fine_tune(model, X, y, 10, 32, 0.01, 0.1, 0.9, 1e-4, g)
        logits = ref.digits_net_logits({k: v.float() for k, v in model.state_dict().items()},
                                       X_test)
        accs.append(float((logits.argmax(dim=1) == y_test).float().mean()))
    # 200 seeds gave 0.922-0.983 (mean 0.964); a linear probe alone gives about 0.87
    assert min(accs) > check.threshold + 0.05, accs


HYPERPARAMETER_SLIPS = {
    "learning_rates_swapped": ('[{"params": backbone, "lr": backbone_lr}, {"params": head, '
                               '"lr": head_lr}]',
                               '[{"params": backbone, "lr": head_lr}, {"params": head, '
                               '"lr": backbone_lr}]'),
    "weight_decay_ignored": ("momentum=momentum, weight_decay=weight_decay)",
                             "momentum=momentum)"),
    "momentum_ignored": ("momentum=momentum, weight_decay=weight_decay)",
                         "weight_decay=weight_decay)"),
}


@pytest.mark.slow
@pytest.mark.parametrize("diagnosis", sorted(HYPERPARAMETER_SLIPS))
def test_a_hyperparameter_in_the_wrong_place_is_diagnosed_by_a_rerun(diagnosis):
    old, new = HYPERPARAMETER_SLIPS[diagnosis]
    source = LESSON.reference_source()
    assert source.count(old) == 1
    result = grade_source("3.9", source.replace(old, new), seed=11)
    failed = [c for c in result.checks if c.status != "passed"]
    assert failed and 0 < result.score < result.max_score
    for c in failed:  # every loss is a fine_tune / param_groups value, and named so
        assert c.mistake is not None and c.mistake.id == diagnosis, (c.name, c.mistake)
        assert c.name.startswith(("fine_tune", "param_groups: each group's learning rate"))

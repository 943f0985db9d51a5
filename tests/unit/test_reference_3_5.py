"""Lesson 3.5 reference: data parallelism and accumulation equal the full-batch step, mixed
precision stays within its dtype's rounding of the float32 step, and the float16 path works
with the *real* ``torch.amp.GradScaler`` on the CPU (``GradScaler("cpu")``, this torch has
it): unscale before clipping, a skipped step on overflow, the scale's backoff and growth.
Tolerances are held to the measurements: the reference and the alternatives well inside them,
each known mistake far outside where it loses.

The GPU tests (``@pytest.mark.gpu``, skipped without CUDA; ``benchmarks/gpu_check_3_5.sh`` runs
them) grade the same probes on CUDA: the float16 path with ``GradScaler("cuda")`` within the
spec's tolerances, and ``grade 3.5 --gpu`` of the reference at full marks with a note saying
it graded the CUDA path. What the CPU cannot show: CUDA's own float16 kernels (their
rounding), and GradScaler's CUDA inf check; both are what the GPU tests are for."""

from __future__ import annotations

import copy
import os
import types

import pytest
import torch
from torch import nn

from grader.course.inputs import draw_inputs
from grader.course.lessons import get_lesson
from grader.course.spec import CloseCheck
from grader.grading.checks.base import at_path
from grader.grading.compare import compare
from grader.grading.oracle import Oracle
from tests.conftest import ROOT
from tests.unit.mistake_margins import mistake_margins, solution_ratios

LESSON = get_lesson("3.5", ROOT)
SPEC = LESSON.spec


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return LESSON.reference_module()


def _model(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3))


def _plain_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float,
                max_norm: float | None = None) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    nn.functional.mse_loss(model(x), y).backward()
    if max_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    opt.step()


def _max_diff(a: nn.Module, b: nn.Module) -> float:
    return max(float((p - q).detach().abs().max())
               for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize("n", range(0, 13))
@pytest.mark.parametrize("world_size", [1, 2, 3, 5])
def test_shard_is_tensor_split(ref, n, world_size):
    batch = torch.arange(n * 2).reshape(n, 2)
    for rank in range(world_size):
        assert torch.equal(ref.shard(batch, world_size, rank),
                           torch.tensor_split(batch, world_size)[rank])


def test_data_parallel_and_accumulation_equal_the_full_batch_step(ref):
    x, y = torch.randn(12, 6), torch.randn(12, 3)
    full = _model(0)
    _plain_step(full, x, y, 0.2)
    for step in (lambda m, o: ref.data_parallel_step(m, o, nn.MSELoss(), x, y, 4),
                 lambda m, o: ref.grad_accumulation_step(m, o, nn.MSELoss(), x, y, 3)):
        model = _model(0)
        step(model, torch.optim.SGD(model.parameters(), lr=0.2))
        assert _max_diff(model, full) < 1e-6


def test_a_deep_copy_of_a_module_has_the_weights_but_no_grad():
    """What the exercise text says of replicas: copy.deepcopy(model) copies the weights but
    not their .grad (nn.Parameter's __deepcopy__), so fresh replicas start every step from
    zero gradients and only replicas kept between steps can carry a step's gradients over."""
    model = _model(6)
    model(torch.randn(4, 6)).sum().backward()
    replica = copy.deepcopy(model)
    assert all(p.grad is None for p in replica.parameters())
    assert all(torch.equal(p, q) for p, q in
               zip(replica.parameters(), model.parameters(), strict=True))


def _amp_step(ref: types.ModuleType, model: nn.Module, x: torch.Tensor, y: torch.Tensor,
              scaler: torch.amp.GradScaler | None, max_norm: float | None,
              dtype: torch.dtype = torch.float16) -> torch.Tensor:
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    return ref.mixed_precision_step(model, opt, nn.MSELoss(), x, y, dtype, scaler, max_norm)


def test_real_cpu_grad_scaler_unscales_before_clipping(ref):
    """float16 autocast on the CPU with torch.amp.GradScaler("cpu"): the clipped step is the
    float32 clipped step within float16 rounding, whatever the scale; the scale grows after
    a clean step (growth_interval 1)."""
    x, y = torch.randn(32, 6), torch.randn(32, 3)
    full = _model(1)
    _plain_step(full, x, y, 0.2, max_norm=0.1)
    moved = _max_diff(full, _model(1))
    for init_scale in (2.0**8, 2.0**16):
        scaler = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=1)
        model = _model(1)
        _amp_step(ref, model, x, y, scaler, 0.1)
        assert _max_diff(model, full) < 0.01 * moved
        assert scaler.get_scale() == 2 * init_scale


def test_real_cpu_grad_scaler_skips_an_overflowing_step(ref):
    x, y = torch.randn(32, 6), torch.randn(32, 3)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**40, growth_interval=1)
    model = _model(2)
    loss = _amp_step(ref, model, x, y, scaler, 0.1)
    assert _max_diff(model, _model(2)) == 0.0  # skipped: the weights are untouched
    assert scaler.get_scale() == 2.0**39  # and the scale backed off
    assert loss.dtype == torch.float32 and torch.isfinite(loss)


def test_what_the_scaler_mistakes_do_with_the_real_cpu_scaler():
    """Clipping while scaled shortens the step by the scale; optimizer.step() past the scaler
    writes the overflow into the weights."""
    clip_first = LESSON.mistake_module("clip_before_unscale")
    bypass = LESSON.mistake_module("optimizer_step_bypasses_scaler")
    x, y = torch.randn(32, 6), torch.randn(32, 3)
    full = _model(3)
    _plain_step(full, x, y, 0.2, max_norm=0.1)
    model = _model(3)
    _amp_step(clip_first, model, x, y, torch.amp.GradScaler("cpu", init_scale=1024.0), 0.1)
    assert _max_diff(model, _model(3)) < 0.01 * _max_diff(full, _model(3))
    model = _model(3)
    _amp_step(bypass, model, x, y, torch.amp.GradScaler("cpu", init_scale=2.0**40), 0.1)
    assert not all(torch.isfinite(p).all() for p in model.parameters())


def test_bfloat16_autocast_on_the_cpu(ref):
    x, y = torch.randn(32, 6), torch.randn(32, 3)
    full = _model(4)
    _plain_step(full, x, y, 0.2)
    model = _model(4)
    seen = []
    model[0].register_forward_hook(lambda _m, _a, out: seen.append(out.dtype))
    loss = _amp_step(ref, model, x, y, None, None, torch.bfloat16)
    assert seen == [torch.bfloat16] and loss.dtype == torch.float32
    assert _max_diff(model, full) < 0.05 * _max_diff(full, _model(4))
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.slow  # every mistake on several seeds: seconds, with no sandbox
def test_every_mistake_is_far_from_the_reference_where_it_loses():
    margins = mistake_margins(LESSON, range(100, 125), margin=10.0, cases=True)
    assert not margins.surprises, margins.surprises[:5]


@pytest.mark.slow  # every correct solution on 40 seeds: seconds, with no sandbox
def test_reference_and_alternatives_stay_well_inside_the_tolerances():
    files = [LESSON.reference_dir / "solution.py",
             *sorted((ROOT / "tests" / "solutions" / "3.5").glob("*.py"))]
    worst = solution_ratios(LESSON, files, range(100, 140))
    assert len({name for name, _ in worst}) == len(files) >= 3
    assert max(worst.values()) < 0.5, max(worst.items(), key=lambda kv: kv[1])


# ---------------------------------------------------------------- on a CUDA GPU

GPU_PROBES = [p for p in SPEC.probes if "cuda" in p.devices]
GPU_SEEDS = range(int(os.environ.get("GRADER_GPU_SEEDS", "50")))


@pytest.mark.gpu
def test_cuda_float16_path_is_within_the_spec_tolerances():
    """The probes that name CUDA, run by the reference on the GPU, against the float32 step:
    every value check below half its tolerance; prints the worst ratio of each check."""
    worst: dict[str, float] = {}
    for seed in GPU_SEEDS:
        inputs, dims = draw_inputs(SPEC, seed, LESSON.root)
        on_gpu = Oracle(LESSON, {**inputs, **dims}, seed, devices=("cuda", "cpu"))
        on_cpu = Oracle(LESSON, {**inputs, **dims}, seed)
        for check in SPEC.checks:
            if check.probe not in {p.id for p in GPU_PROBES}:
                continue
            ref_probe, *path = (check.expected or f"{check.probe}.{check.output}").split(".")
            expected = at_path(on_cpu.outputs(SPEC.probe(ref_probe)), path)
            actual = at_path(on_gpu.outputs(SPEC.probe(check.probe)), check.output.split("."))
            rtol, atol = (check.rtol, check.atol) if isinstance(check, CloseCheck) else (0, 0)
            c = compare(actual, expected, rtol, atol, dtypes=False)
            assert c.ok, f"seed {seed}, {check.name}: {c.message}"
            ratio = c.error / c.tolerance if c.tolerance else 0.0
            worst[check.name] = max(worst.get(check.name, 0.0), ratio)
    for name, ratio in worst.items():
        print(f"GPU worst error/tolerance over {len(GPU_SEEDS)} seeds: {ratio:.3f}  {name}")
    assert max(worst.values()) < 0.5, worst


@pytest.mark.gpu
def test_cuda_grad_scaler_skips_an_overflowing_step(ref):
    x, y = torch.randn(32, 6, device="cuda"), torch.randn(32, 3, device="cuda")
    model = _model(5).cuda()
    before = copy.deepcopy(model)
    scaler = torch.amp.GradScaler("cuda", init_scale=2.0**40, growth_interval=1)
    _amp_step(ref, model, x, y, scaler, 0.1)
    assert _max_diff(model, before) == 0.0 and scaler.get_scale() == 2.0**39


@pytest.mark.gpu
@pytest.mark.slow
def test_grade_with_gpu_grades_the_cuda_path(tmp_path):
    from grader.grading.engine import grade_file

    path = tmp_path / f"{SPEC.lesson.stem}.py"
    path.write_text(LESSON.reference_source())
    result = grade_file(LESSON, path, seed=11, sandbox="process", gpu=True)
    assert result.score == result.max_score, [(c.name, c.message) for c in result.checks
                                              if c.status != "passed"]
    assert any(n.startswith("probes amp_fp16, amp_overflow: graded the CUDA float16 path")
               for n in result.notes), result.notes

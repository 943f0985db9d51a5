"""Boundary cases of a probe: validated with the spec, drawn in scopes of their own, run as
instances of the probe; and the timed run's fresh inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from grader.course.inputs import draw_inputs, draw_timed, probe_reads, timed_id
from grader.course.lessons import get_lesson
from grader.course.spec import SpecError, base_of, load_spec, scope_of
from grader.harness.library import optimizer_trajectory
from grader.harness.runner import scoped
from grader.sandbox.channel import ChannelError, JobFolder, read_timing
from tests.conftest import ROOT

GOOD = ROOT / "reference" / "1.2" / "spec.toml"
ONE_FEATURE = 'cases = [{ name = "one feature", dims = { d = 1 } }]'


def _with_cases(tmp_path: Path, cases: str) -> Path:
    """1.2's spec with the cases of its first probe ("predict") replaced."""
    text = GOOD.read_text()
    assert ONE_FEATURE in text
    path = tmp_path / "spec.toml"
    path.write_text(text.replace(ONE_FEATURE, f"cases = [{cases}]", 1))
    return path


@pytest.mark.parametrize(("cases", "problem"), [
    ('{ name = "x", dims = { q = 1 } }', "unknown dims ['q']"),
    ('{ name = "x", dims = { d = -1 } }', "a dim is a size"),
    ('{ name = "x" }', "changes nothing"),
    ('{ name = "x", inputs = { nope = { dtype = "float64" } } }', "unknown input 'nope'"),
    ('{ name = "x", inputs = { X = { dtype = "float16" } } }', "input 'X': dtype"),
    ('{ name = "x", inputs = { X = { dist = "uniform" } } }', "needs low, high"),
    ('{ name = "x", dims = { d = 1 } }, { name = "x", dims = { d = 2 } }', "unique"),
])
def test_bad_cases_are_rejected_naming_the_probe_and_case(tmp_path, cases, problem):
    with pytest.raises(SpecError) as e:
        load_spec(_with_cases(tmp_path, cases))
    assert "probe 'predict'" in str(e.value) and problem in str(e.value), str(e.value)


def test_a_probe_id_cannot_look_like_an_instance(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text(GOOD.read_text().replace('id = "grad"', 'id = "grad__x"').replace(
        'probe = "grad"', 'probe = "grad__x"'))
    with pytest.raises(SpecError, match="may not contain '__'"):
        load_spec(path)


def test_a_case_is_drawn_in_its_scope_and_the_rest_is_shared():
    spec = get_lesson("1.2").spec
    inputs, dims = draw_inputs(spec, 7)
    assert dims["grad_c0/d"] == 1
    # inputs shaped by d are drawn again (and y, drawn from X and w_true); the others shared
    assert inputs["grad_c0/X"].shape == (dims["n"], 1)
    assert inputs["grad_c0/w"].shape == (1,)
    assert "grad_c0/y" in inputs and "grad_c0/b" not in inputs
    seen = scoped({**inputs, **dims}, "grad__grad_c0")
    assert seen["d"] == 1 and seen["X"].shape == (dims["n"], 1)
    assert seen["b"] is inputs["b"]
    assert "grad_c0/X" not in seen
    # the random draw sees none of it
    plain = scoped({**inputs, **dims}, "grad")
    assert plain["X"] is inputs["X"] and plain["d"] == dims["d"]


def test_instances_of_a_probe():
    spec = get_lesson("1.2").spec
    assert [p.id for p in spec.instances("fit")] == ["fit", "fit__fit_c0", "fit__fit_c1"]
    inst = spec.probe("lstsq__fit_c0")  # an oracle read in a case's scope
    assert inst.trusted_only and scope_of(inst.id) == "fit_c0" and base_of(inst.id) == "lstsq"
    assert spec.case_of("fit_c0").name == "one feature"
    assert spec.case_of("grid_timed") is None and spec.case_of("") is None


def test_a_dtype_change_draws_the_same_values_in_another_dtype():
    spec = get_lesson("1.4").spec
    inputs, _ = draw_inputs(spec, 3)
    assert inputs["path_c0/X"].dtype == torch.float64
    assert torch.allclose(inputs["path_c0/X"].float(), inputs["X"])


def test_the_timed_run_draws_fresh_values_for_what_its_probe_reads():
    spec = get_lesson("1.4").spec
    inputs, dims = draw_inputs(spec, 3)
    assert probe_reads(spec, "grid") == {"X", "y", "w_values", "b_values"}
    timed = draw_timed(spec, 3, "grid", dims)
    assert set(timed) == {"grid_timed/X", "grid_timed/y", "grid_timed/w_values",
                          "grid_timed/b_values"}
    assert timed["grid_timed/X"].shape == inputs["X"].shape
    assert not torch.equal(timed["grid_timed/X"], inputs["X"])
    assert timed_id("grid") == "grid__grid_timed"
    assert draw_timed(spec, 3, "grid", dims)["grid_timed/X"].equal(timed["grid_timed/X"])


def test_an_idle_parameter_gets_a_gradient_every_other_step():
    params = [torch.ones(2), torch.ones(3)]
    grads = [torch.ones(4, 2), torch.ones(4, 3)]
    run = optimizer_trajectory(torch.optim.Adam, params, grads, {"lr": 0.1}, ["step"], idle=1)
    moved = run["params"][1]
    assert torch.equal(moved[0], moved[1]) and not torch.equal(moved[1], moved[2])
    assert run["state"]["p1.step"] == 2.0 and run["state"]["p0.step"] == 4.0


def test_the_timing_record_is_strict(tmp_path):
    path = tmp_path / "timing.json"
    path.write_text('{"grid__grid_timed": 0.25}')
    with JobFolder(tmp_path) as folder:
        assert read_timing(folder, "timing.json") == {"grid__grid_timed": 0.25}
        assert read_timing(folder, "absent.json") == {}
        for bad in ('{"a": -1}', '{"a": "1"}', '[1]', '{"a": 1, "a": 2}', '{"a": NaN}', "{"):
            path.write_text(bad)
            with pytest.raises(ChannelError):
                read_timing(folder, "timing.json")
        (tmp_path / "elsewhere.json").write_text('{"grid__grid_timed": 0.0}')
        path.unlink()
        path.symlink_to(tmp_path / "elsewhere.json")  # a link is refused, never followed
        with pytest.raises(ChannelError):
            read_timing(folder, "timing.json")

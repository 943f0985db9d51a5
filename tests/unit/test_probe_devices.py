"""Probes that name devices: a spec says where a probe may run, in order of preference
(``devices = { cuda = "...", cpu = "..." }``); the harness runs it on the first device it
has (CUDA only where the grading was given a GPU), binds ``$device`` to its name and says
where it ran; the oracle runs it on the grader's own device; the result's notes say which
path was graded. Everything here runs without a GPU: "cuda" is only a name until a step
uses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.course.lessons import get_lesson
from grader.course.spec import LessonSpec, Probe
from grader.course.validate import validate_references
from grader.errors import SpecError
from grader.grading import engine
from grader.harness import entry, runner
from grader.sandbox import channel
from grader.sandbox.run import ProbeOutcome, SandboxRun
from tests.conftest import ROOT

PATHS = {"cuda": "the GPU path", "cpu": "the CPU path"}


def _probe(**extra: Any) -> dict[str, Any]:
    return {"id": "p", "steps": [{"use": "clone", "args": ["$device"], "out": "where"}],
            "outputs": ["where"], **extra}


def _spec(probe: dict[str, Any], **extra: Any) -> LessonSpec:
    return LessonSpec.model_validate({
        "lesson": {"id": "9.9", "title": "t", "stem": "s", "module": 3},
        "probes": [probe],
        "checks": [{"name": "c", "points": 1, "probe": probe["id"], "output": "where",
                    "kind": "equal"}], **extra})


# ---------------------------------------------------------------- the spec


def test_devices_keep_their_order_and_cpu_must_come_last():
    assert list(Probe.model_validate(_probe(devices=PATHS)).devices) == ["cuda", "cpu"]
    with pytest.raises(ValueError, match="last device must be"):
        Probe.model_validate(_probe(devices={"cpu": "a", "cuda": "b"}))
    with pytest.raises(ValueError, match="last device must be"):
        Probe.model_validate(_probe(devices={"cuda": "only the GPU"}))
    with pytest.raises(ValueError, match="say which path"):
        Probe.model_validate(_probe(devices={"cuda": "x", "cpu": " "}))
    with pytest.raises(ValueError, match="trusted_only"):
        Probe.model_validate(_probe(devices=PATHS, trusted_only=True))
    with pytest.raises(ValueError, match="Input should be 'cuda' or 'cpu'"):
        Probe.model_validate(_probe(devices={"tpu": "x", "cpu": "y"}))


def test_device_is_a_name_only_a_probe_with_devices_has():
    validate_references(_spec(_probe(devices=PATHS)), Path("spec.toml"), stub_path=None,
                        reference_dir=None, root=None)
    with pytest.raises(SpecError, match=r"'\$device' is not an input"):
        validate_references(_spec(_probe()), Path("spec.toml"), stub_path=None,
                            reference_dir=None, root=None)
    with pytest.raises(ValueError, match="no input or dim may be called so"):
        _spec(_probe(devices=PATHS), dims={"device": [1, 2]})


# ---------------------------------------------------------------- running a probe


def test_a_probe_runs_on_the_first_device_it_is_given():
    on_gpu = runner.run_probe(None, _probe(devices=PATHS), {}, 0, devices=("cuda", "cpu"))
    on_cpu = runner.run_probe(None, _probe(devices=PATHS), {}, 0, devices=("cpu",))
    assert (on_gpu["outputs"]["where"], on_gpu["device"]) == ("cuda", "cuda")
    assert (on_cpu["outputs"]["where"], on_cpu["device"]) == ("cpu", "cpu")
    cpu_first = _probe(devices={"cpu": "the CPU path"})
    assert runner.run_probe(None, cpu_first, {}, 0, devices=("cuda", "cpu"))["device"] == "cpu"


def test_a_probe_without_devices_has_no_device():
    plain = {"id": "p", "steps": [{"use": "add", "args": [1, 2], "out": "three"}],
             "outputs": ["three"]}
    result = runner.run_probe(None, plain, {}, 0, devices=("cuda", "cpu"))
    assert result["status"] == "ok" and result["device"] is None


def test_cuda_is_offered_only_where_a_probe_asks_and_cuda_is_there(monkeypatch):
    asked = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: asked.append(1) or True)
    assert runner.available_devices([{"id": "p"}]) == ("cpu",)
    assert not asked  # not even looked up
    assert runner.available_devices([{"id": "p"}, _probe(devices=PATHS)]) == ("cuda", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert runner.available_devices([_probe(devices=PATHS)]) == ("cpu",)


def test_the_harness_reports_where_a_probe_ran(tmp_path):
    events = entry._Events(tmp_path / "events.jsonl")
    plan = {"module_name": "s", "devices": ("cpu",)}
    entry._run_one(None, {**_probe(devices=PATHS), "timeout_s": 5, "seed": 1}, {}, events,
                   plan)
    entry._run_one(None, {"id": "q", "steps": [], "outputs": [], "timeout_s": 5, "seed": 1},
                   {}, events, plan)
    done = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()
            if '"done"' in line]
    assert done[0]["device"] == "cpu" and "device" not in done[1]
    parsed = channel.read_events(tmp_path / "events.jsonl")
    assert [getattr(e, "device", "-") for e in parsed if isinstance(e, channel.DoneEvent)] \
        == ["cpu", None]


def test_the_channel_accepts_only_known_devices(tmp_path):
    base = {"event": "done", "probe": "p", "status": "ok", "error": None, "outputs": {},
            "violations": [], "elapsed_s": 0.1, "step_times": []}
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({**base, "device": "cuda"}) + "\n")
    assert channel.read_events(path)[0].device == "cuda"
    path.write_text(json.dumps({**base, "device": "tpu"}) + "\n")
    with pytest.raises(channel.ChannelError):
        channel.read_events(path)


# ---------------------------------------------------------------- the trusted side, the notes


def test_the_oracle_uses_the_gpu_only_when_grading_with_one_where_it_has_one(monkeypatch):
    assert engine.trusted_devices(False) == ("cpu",)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert engine.trusted_devices(True) == ("cpu",)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert engine.trusted_devices(True) == ("cuda", "cpu")
    assert engine.trusted_devices(False) == ("cpu",)


def _run(spec: LessonSpec, device: str | None) -> SandboxRun:
    probes = {p.id: ProbeOutcome("ok", device=device) for p in spec.sandbox_probes()}
    return SandboxRun(probes, [], "", "", [], loaded=True)


def test_notes_say_which_path_was_graded_and_why():
    spec = _spec(_probe(devices=PATHS))
    assert engine.device_notes(spec, _run(spec, "cuda"), gpu=True) == \
        ["probe p: graded the GPU path"]
    [fallback] = engine.device_notes(spec, _run(spec, "cpu"), gpu=True)
    assert fallback.startswith("probe p: --gpu was given but the sandbox had no CUDA device")
    assert "graded the CPU path instead of the GPU path" in fallback
    [plain] = engine.device_notes(spec, _run(spec, "cpu"), gpu=False)
    assert plain.startswith("probe p: no GPU for this grading: graded the CPU path instead of "
                            "the GPU path; grade --gpu") and "CUDA GPU" in plain
    assert engine.device_notes(spec, _run(spec, None), gpu=False) == []  # it never ran
    plain_spec = _spec({"id": "p", "steps": [], "outputs": ["where"]})
    assert engine.device_notes(plain_spec, _run(plain_spec, None), gpu=True) == []


def test_lesson_3_5_names_its_cpu_path_and_shares_one_note():
    spec = get_lesson("3.5", ROOT).spec
    [note] = engine.device_notes(spec, _run(spec, "cpu"), gpu=False)
    assert "CPU path (bfloat16 autocast" in note and "instead of the CUDA float16 path" in note
    assert note.startswith("probes amp_fp16, amp_overflow: no GPU")

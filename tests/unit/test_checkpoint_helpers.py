"""Whole-loop pieces: checkpoints that cross the sandbox boundary as files and are loaded on
the trusted side with ``weights_only=True``, the helpers that run a training function
interrupted and resumed or hand it a trapped checkpoint, and the held-out loss check."""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import save
from torch import nn

from grader.course.lessons import get_lesson
from grader.grading.checks.accuracy import check_held_out_loss
from grader.grading.checks.base import MISSING, CheckContext, at_path
from grader.harness import library
from grader.harness.library import (
    HELPERS,
    NoFileWritten,
    checkpointed_runs,
    lambda_lr,
    load_trapped_checkpoint,
    pairs,
)
from grader.harness.values import SavedFile, Unsupported, encode, load_saved
from grader.sandbox import channel
from grader.sandbox.channel import ChannelError


def _saved_bytes(obj: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _read_back(desc: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """What the trusted side's channel decodes of one output ``out``."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "out").mkdir()
        (Path(tmp) / "out" / "p.safetensors").write_bytes(save(tensors))
        with channel.JobFolder(Path(tmp)) as folder:
            return channel.read_outputs(folder, "out/p.safetensors", {"out": desc}, ["out"],
                                        channel.Budget())["out"]


def _roundtrip(value: Any) -> Any:
    """What the trusted side sees of a value the sandbox returned."""
    return _read_back(*encode(value, "out"))


def _adamw_checkpoint() -> dict[str, Any]:
    model = nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    return {"model": model.state_dict(), "optimizer": opt.state_dict(),
            "rng": {"torch": torch.get_rng_state()}, "step": 1}


def test_a_saved_checkpoint_comes_back_as_plain_data_with_string_keys():
    ckpt = _adamw_checkpoint()
    back = _roundtrip(SavedFile(_saved_bytes(ckpt)))
    assert set(back) == {"model", "optimizer", "rng", "step"}
    assert torch.equal(back["model"]["weight"], ckpt["model"]["weight"])
    state = back["optimizer"]["state"]
    assert set(state) == {"0", "1"}  # parameter indices, as strings
    assert torch.equal(state["0"]["exp_avg"], ckpt["optimizer"]["state"][0]["exp_avg"])
    assert at_path(back, ["optimizer", "state", "1", "step"]).item() == 1.0
    assert back["optimizer"]["param_groups"][0]["params"] == [0, 1]
    assert back["step"] == 1 and torch.equal(back["rng"]["torch"], ckpt["rng"]["torch"])


class _Marker:
    """An object only a full unpickle can rebuild."""


def test_a_checkpoint_that_needs_a_full_unpickle_is_refused_and_runs_nothing():
    ran: list[str] = []
    token = "trusted-side"
    trap = library._Trap(token)
    data = _saved_bytes({"model": trap, "step": 1})
    back = load_saved(torch.frombuffer(bytearray(data), dtype=torch.uint8))
    assert isinstance(back, Unsupported) and "weights_only=True" in back.name
    assert token not in library._TRAPS_SPRUNG and not ran
    other = load_saved(torch.frombuffer(bytearray(_saved_bytes({"x": _Marker()})),
                                        dtype=torch.uint8))
    assert isinstance(other, Unsupported)


def _zip(entries: dict[str, bytes], compression: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("data,why", [
    (b"not a zip at all", "not a torch.save archive"),
    (b"", "not a torch.save archive"),
    (pickle.dumps({"model": 1}), "not a torch.save archive"),  # a bare pickle
    (_zip({"archive/data.pkl": b"\0" * 100_000}, zipfile.ZIP_DEFLATED), "compressed entry"),
])
def test_files_that_are_not_plain_torch_save_archives_are_not_loaded(data, why):
    back = _roundtrip(SavedFile(data))
    assert isinstance(back, Unsupported) and why in back.name


def test_a_malformed_saved_descriptor_is_a_channel_error():
    desc, tensors = encode(SavedFile(b"abc"), "out")
    with pytest.raises(ChannelError):
        _read_back(desc, {"out": tensors["out"].to(torch.int64)})
    with pytest.raises(ChannelError):
        _read_back({"type": "saved", "key": "elsewhere"}, tensors)
    with pytest.raises(ChannelError):
        _read_back({"type": "saved", "key": "out", "extra": 1}, tensors)
    too_big = torch.zeros(channel.MAX_SAVED_BYTES + 1, dtype=torch.uint8)
    with pytest.raises(ChannelError):
        _read_back({"type": "saved", "key": "out"}, {"out": too_big})


def test_a_checkpoint_never_expands_beyond_its_own_size_on_the_trusted_side():
    """A pickle's memo shares one list many times over (4096 ** 4 leaves, from a file of a
    few kilobytes), and a tensor strided over a tiny storage claims 10**12 elements: both
    come back as a refusal, at once, with nothing built."""
    shared: Any = [torch.zeros(1)] * 64
    for _ in range(3):
        shared = [shared] * 64
    back = _roundtrip(SavedFile(_saved_bytes({"x": shared})))
    assert isinstance(back, Unsupported) and "too large" in back.name
    huge = torch.zeros(1).as_strided((10**6, 10**6), (0, 0))
    back = _roundtrip(SavedFile(_saved_bytes({"w": huge})))
    assert isinstance(back, Unsupported) and "larger than the file" in back.name


def test_a_path_into_an_unloadable_checkpoint_ends_at_what_it_was():
    bad = Unsupported("file that torch.load(weights_only=True) refuses")
    assert at_path({"runs": {"full": bad}}, ["runs", "full", "model", "w"]) is bad
    assert at_path({"runs": {}}, ["runs", "full"]) is MISSING


# ---------------------------------------------------------------- helpers

def _toy_train(data: torch.Tensor, seed: int, checkpoint_path: str | None = None,
               stop_after: int | None = None, resume: bool = False,
               restore_rng: bool = True) -> nn.Module:
    """Five noisy steps of SGD on a 1-parameter model, a checkpoint after every step."""
    torch.manual_seed(seed)
    model = nn.Linear(1, 1, bias=False)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    start = 0
    if resume and checkpoint_path and os.path.exists(checkpoint_path):
        ckpt = torch.load(checkpoint_path, weights_only=True)
        model.load_state_dict(ckpt["model"])
        if restore_rng:
            torch.set_rng_state(ckpt["rng"])
        start = ckpt["step"]
    for step in range(start, 5):
        if stop_after is not None and step == stop_after:
            break
        opt.zero_grad()
        (model(data + torch.randn(1)) ** 2).sum().backward()
        opt.step()
        if checkpoint_path:
            torch.save({"model": model.state_dict(), "rng": torch.get_rng_state(),
                        "step": step + 1}, checkpoint_path)
    return model


def test_checkpointed_runs_resume_exactly_when_everything_is_restored():
    runs = _roundtrip(checkpointed_runs(_toy_train, [torch.ones(1), 3], 2))
    assert runs["interrupted"]["step"] == 2
    assert runs["full"]["step"] == runs["resumed"]["step"] == 5
    assert torch.equal(runs["full"]["model"]["weight"], runs["resumed"]["model"]["weight"])


def test_checkpointed_runs_reseed_the_global_rng_before_resuming():
    runs = _roundtrip(checkpointed_runs(_toy_train, [torch.ones(1), 3], 2,
                                        {"restore_rng": False}))
    assert not torch.equal(runs["full"]["model"]["weight"], runs["resumed"]["model"]["weight"])


def test_checkpointed_runs_resume_without_what_the_runs_left_in_globals():
    """A resumed run starts from the module's globals as before the runs (as a restarted
    job would): state a run kept in memory, or a name it added, is not there to resume
    from; a module-level cache made before the runs is."""
    module: dict[str, Any] = {"__name__": "student", "CACHE": {"made": "before"},
                              "torch": torch}
    exec(  # noqa: S102 - our own toy module
        "def train(seed, checkpoint_path=None, stop_after=None, resume=False):\n"
        "    global ADDED\n"
        "    seen = (dict(CACHE), 'ADDED' in globals())\n"
        "    CACHE['run'] = CACHE.get('run', 0) + 1\n"
        "    ADDED = True\n"
        "    torch.save({'seen': seen}, checkpoint_path)\n", module)
    runs = _roundtrip(checkpointed_runs(module["train"], [1], 2))
    assert runs["interrupted"]["seen"] == ({"made": "before", "run": 1}, True)
    assert runs["resumed"]["seen"] == ({"made": "before"}, False)


def test_checkpointed_runs_say_when_no_file_was_written():
    def no_files(seed: int, checkpoint_path: str, **_: Any) -> None:
        assert not os.path.exists(checkpoint_path)  # a fresh folder each time

    runs = checkpointed_runs(no_files, [1], 2)
    assert all(isinstance(runs[k], NoFileWritten) for k in ("full", "interrupted", "resumed"))
    assert isinstance(_roundtrip(runs)["full"], Unsupported)


def test_the_trapped_checkpoint_catches_a_full_unpickle_only():
    def safe(path: str) -> None:
        torch.load(path, weights_only=True)

    def unsafe(path: str) -> None:
        torch.load(path, weights_only=False)["model"]["weight"]  # noqa: B018 - fails after

    def wrapped(path: str) -> None:
        try:
            torch.load(path)
        except pickle.UnpicklingError as e:
            raise ValueError("refusing an unsafe checkpoint") from e

    assert load_trapped_checkpoint(safe) == {"code_ran": False, "refused": True}
    assert load_trapped_checkpoint(wrapped) == {"code_ran": False, "refused": True}
    assert load_trapped_checkpoint(unsafe) == {"code_ran": True, "refused": False}
    with pytest.raises(NotImplementedError):  # not written yet: nothing was refused
        load_trapped_checkpoint(lambda path: (_ for _ in ()).throw(NotImplementedError()))


def test_loop_helpers_are_registered_and_do_what_they_say():
    for name in ("pairs", "lambda_lr", "checkpointed_runs",
                 "load_trapped_checkpoint"):
        assert name in HELPERS
    a, b = torch.arange(6).reshape(3, 2), torch.arange(3)
    got = pairs(a, b)
    assert len(got) == 3 and torch.equal(got[1][0], a[1]) and int(got[1][1]) == 1
    with pytest.raises(ValueError):
        pairs(a, b[:2])
    model = nn.Linear(2, 2)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    sched = lambda_lr(opt, lambda s: 0.5 ** (s + 1))
    assert opt.param_groups[0]["lr"] == 0.5
    opt.step()
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.25


# ---------------------------------------------------------------- held_out_loss

LESSON = get_lesson("3.8")
CHECK = next(c for c in LESSON.spec.checks if c.kind == "held_out_loss")


def _verdict(params: Any) -> Any:
    """The check on ``params``, the reference's trained weights being a fresh CharMLP's
    (what the structure check compares with)."""
    ctx = CheckContext(LESSON, lambda _path: params, lambda _ref: _char_mlp(),
                       LESSON.reference_module)
    return check_held_out_loss(CHECK, ctx)


def _char_mlp(**changes: torch.Tensor) -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    params = LESSON.reference_module().CharMLP(60, 8).state_dict()
    return {**params, **changes}


def test_held_out_loss_passes_below_the_threshold_and_fails_above():
    params = _char_mlp()
    # zero logits: every character equally likely, log(60) nats
    uniform = _verdict({**params, "out.weight": torch.zeros(60, 128),
                        "out.bias": torch.zeros(60)})
    assert not uniform.passed and uniform.unit == "loss"
    assert uniform.measured == pytest.approx(float(torch.log(torch.tensor(60.0))), rel=1e-6)
    assert "above the required 2.200" in uniform.message
    lenient = CHECK.model_copy(update={"threshold": 5.0})
    ctx = CheckContext(LESSON, lambda _p: params, lambda _r: _char_mlp(),
                       LESSON.reference_module)
    ok = check_held_out_loss(lenient, ctx)
    assert ok.passed and ok.limit == 5.0 and not ok.comparable


@pytest.mark.parametrize("params,why", [
    (MISSING, "no output"),
    ({"embed.weight": "not a tensor"}, "dict of tensors"),
    ("_missing_key", "network's shapes"),
    ("_nan", "NaN or inf"),
    ("_narrow", "network's shapes"),
])
def test_held_out_loss_refuses_what_it_cannot_score(params, why):
    if params == "_missing_key":
        params = {k: v for k, v in _char_mlp().items() if k != "out.bias"}
    elif params == "_nan":
        params = _char_mlp(**{"out.bias": torch.full((60,), float("nan"))})
    elif params == "_narrow":  # logits over fewer characters than the text uses
        params = _char_mlp(**{"out.weight": torch.zeros(5, 128), "out.bias": torch.zeros(5)})
    verdict = _verdict(params)
    assert not verdict.passed and why in verdict.message


def test_held_out_loss_scores_bfloat16_weights_in_float32():
    params = {k: v.to(torch.bfloat16) for k, v in _char_mlp().items()}
    assert _verdict(params).measured == pytest.approx(
        _verdict({k: v.float() for k, v in params.items()}).measured, abs=0)


def test_the_held_out_text_is_not_a_file_the_sandbox_sees():
    assert Path(LESSON.root / "datasets" / "genesis" / "test.txt").is_file()
    assert CHECK.dataset in LESSON.spec.datasets()

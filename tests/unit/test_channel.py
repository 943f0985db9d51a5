"""The sandbox's output is untrusted data: every malformed shape of it is refused cleanly."""

from __future__ import annotations

import json
import os
import struct

import pytest
import torch
from safetensors.torch import save

import grader.sandbox.channel as channel


def _events(path):
    with channel.JobFolder(path.parent) as folder:
        return channel.read_events(folder, path.name)


def _tensors(path):
    with channel.JobFolder(path.parent) as folder:
        return channel.read_tensors(folder, path.name)


def _blob(header: dict, body: bytes) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + body


def test_valid_file_loads(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes(save({"a": torch.arange(4.0)}))
    assert torch.equal(_tensors(p)["a"], torch.arange(4.0))


@pytest.mark.parametrize("header,body,match", [
    ({"a": {"dtype": "F32", "shape": [1000000], "data_offsets": [0, 4000000]}}, b"\0" * 8,
     "offsets"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12, "overlapping"),
    ({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8, "not allowed"),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "bad shape"),
    ({"a": [1, 2]}, b"", "malformed"),
])
def test_malformed_headers_are_rejected_before_loading(tmp_path, header, body, match):
    p = tmp_path / "x.safetensors"
    p.write_bytes(_blob(header, body))
    with pytest.raises(channel.ChannelError, match=match):
        _tensors(p)


def test_huge_header_length_is_rejected(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(channel.ChannelError, match="header"):
        _tensors(p)


def test_symlink_is_not_followed(tmp_path):
    target = tmp_path / "secret"
    target.write_text("{}")
    link = tmp_path / "events.jsonl"
    link.symlink_to(target)
    with pytest.raises(channel.ChannelError, match="safely"):
        _events(link)


def test_fifo_never_hangs(tmp_path):
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(channel.ChannelError, match="not a regular file"):
        _events(fifo)


@pytest.mark.parametrize("line,match", [
    ('{"event": "finished", "event": "finished"}', "duplicate"),
    ('{"event": "done", "probe": "p", "status": "ok", "error": null, "outputs": {}, '
     '"violations": [], "elapsed_s": NaN, "step_times": []}', "non-finite"),
    ('{"event": "score", "score": 100}', "unknown event"),
    ('{"event": "done", "probe": "p", "status": "passed", "error": null, "outputs": {}, '
     '"violations": [], "elapsed_s": 1.0, "step_times": []}', "malformed"),
    ("[" * 100000, "malformed"),
])
def test_forged_or_malformed_events_are_refused(tmp_path, line, match):
    p = tmp_path / "events.jsonl"
    p.write_text(line + "\n")
    with pytest.raises(channel.ChannelError, match=match):
        _events(p)


def test_oversized_events_file_is_refused(tmp_path):
    p = tmp_path / "events.jsonl"
    with p.open("wb") as f:
        f.truncate(channel.MAX_EVENTS_BYTES + 1)
    with pytest.raises(channel.ChannelError, match="limit"):
        _events(p)


def _outputs(tmp_path, descriptors, tensors, declared, budget=None):
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / "p.safetensors").write_bytes(save(tensors))
    with channel.JobFolder(tmp_path) as folder:
        return channel.read_outputs(folder, "out/p.safetensors", descriptors, declared,
                                    budget or channel.Budget())


def _tensor(key, t):
    return {"type": "tensor", "key": key, "dtype": str(t.dtype)[6:], "shape": list(t.shape),
            "requires_grad": False}


def test_declared_outputs_decode(tmp_path):
    t = torch.arange(3.0)
    lst = torch.tensor([1.0, 2.0], dtype=torch.float64)
    out = _outputs(tmp_path, {"a": _tensor("p/a", t),
                              "b": {"type": "numlist", "pytype": "list", "elem": "int",
                                    "key": "p/b", "len": 2}},
                   {"p/a": t, "p/b": lst}, ["a", "b"])
    assert torch.equal(out["a"], t) and out["b"] == [1, 2]


@pytest.mark.parametrize("descriptors,tensors,match", [
    # an output the probe never declared
    ({"a": {"type": "none"}, "x": {"type": "none"}}, {}, "does not declare"),
    # one tensor named twice (a big one named many times: one copy per name, decoded)
    ({"a": {"type": "seq", "pytype": "list", "items": [_tensor("k", torch.zeros(4))] * 2}},
     {"k": torch.zeros(4)}, "more than one"),
    # a tensor nothing names
    ({"a": _tensor("k", torch.zeros(4))}, {"k": torch.zeros(4), "extra": torch.zeros(1)},
     "no result names"),
    # a list of numbers must cross as 1-d float64, of the stated length
    ({"a": {"type": "numlist", "pytype": "list", "elem": "float", "key": "k", "len": 4}},
     {"k": torch.zeros(4, dtype=torch.float32)}, "malformed list"),
    ({"a": {"type": "numlist", "pytype": "list", "elem": "float", "key": "k", "len": 3}},
     {"k": torch.zeros(4, dtype=torch.float64)}, "malformed list"),
    ({"a": {"type": "numlist", "pytype": "list", "elem": "float", "key": "k",
            "len": channel.MAX_NUMLIST + 1}},
     {"k": torch.zeros(channel.MAX_NUMLIST + 1, dtype=torch.float64)}, "malformed list"),
    # a number is a 0-d float64; an int is an integer
    ({"a": {"type": "number", "pytype": "float", "key": "k"}}, {"k": torch.zeros(3)},
     "malformed number"),
    ({"a": {"type": "number", "pytype": "int", "key": "k"}},
     {"k": torch.tensor(float("inf"), dtype=torch.float64)}, "not an integer"),
    ({"a": {"type": "number", "pytype": "int", "key": "k"}},
     {"k": torch.tensor(0.5, dtype=torch.float64)}, "not an integer"),
    # the descriptor's dtype and shape are the tensor's
    ({"a": {**_tensor("k", torch.zeros(3)), "dtype": "float64"}}, {"k": torch.zeros(3)},
     "does not match"),
    ({"a": {**_tensor("k", torch.zeros(3)), "shape": [4]}}, {"k": torch.zeros(3)},
     "does not match"),
    ({"a": _tensor("missing", torch.zeros(3))}, {"k": torch.zeros(3)}, "missing tensor"),
    # wide rather than deep
    ({"a": {"type": "seq", "pytype": "list", "items": [{"type": "none"}] * 5000}}, {},
     "malformed sequence"),
])
def test_forged_results_are_refused_before_decoding(tmp_path, descriptors, tensors, match):
    with pytest.raises(channel.ChannelError, match=match):
        _outputs(tmp_path, descriptors, tensors, ["a"])


def test_the_budget_holds_over_a_whole_run(tmp_path):
    budget = channel.Budget()
    big = torch.zeros(channel.MAX_OUTPUT_BYTES // 4 // 2 + 1)  # just over half the budget
    _outputs(tmp_path, {"a": _tensor("k", big)}, {"k": big}, ["a"], budget)
    with pytest.raises(channel.OverBudget):
        _outputs(tmp_path, {"a": _tensor("k", big)}, {"k": big}, ["a"], budget)
    numbers = torch.zeros(channel.MAX_NUMLIST, dtype=torch.float64)
    lists = channel.Budget()
    desc = {"type": "numlist", "pytype": "list", "elem": "float", "key": "k",
            "len": channel.MAX_NUMLIST}
    with pytest.raises(channel.OverBudget, match="Python numbers"):
        for _ in range(channel.MAX_PY_NUMBERS // channel.MAX_NUMLIST + 1):
            _outputs(tmp_path, {"a": desc}, {"k": numbers}, ["a"], lists)


def test_the_harness_refuses_what_the_channel_would(tmp_path):
    from grader.harness import values

    assert values.MAX_NUMLIST == channel.MAX_NUMLIST
    assert values.MAX_RESULT_BYTES == channel.MAX_OUTPUT_BYTES
    assert values.PY_NUMBER_BYTES == channel.PY_NUMBER_BYTES
    assert values.MAX_SAVED_BYTES == channel.MAX_SAVED_BYTES
    with pytest.raises(ValueError, match="numbers"):
        values.encode([0.0] * (channel.MAX_NUMLIST + 1), "k")
    with pytest.raises(ValueError, match="larger"):
        values.encode([torch.zeros(channel.MAX_OUTPUT_BYTES // 8)] * 3, "k")


def test_no_link_is_followed_anywhere_in_the_path(tmp_path):
    """A job that renamed its out/ (or log/) and left a link to a host folder there."""
    host = tmp_path / "host"
    host.mkdir()
    (host / "events.jsonl").write_text('{"event": "finished"}\n')
    job = tmp_path / "job"
    job.mkdir()
    (job / "out").symlink_to(host)
    with channel.JobFolder(job) as folder:
        with pytest.raises(channel.ChannelError, match="safely"):
            channel.read_events(folder, "out/events.jsonl")
        with pytest.raises(channel.ChannelError, match="safely"):
            folder.head("out/events.jsonl", 100)
    (tmp_path / "link-to-job").symlink_to(job)
    with pytest.raises(channel.ChannelError, match="safely"):
        channel.JobFolder(tmp_path / "link-to-job")


def test_a_hard_link_is_not_a_result(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text('{"event": "finished"}\n')
    os.link(secret, tmp_path / "events.jsonl")
    with pytest.raises(channel.ChannelError, match="hard link"):
        _events(tmp_path / "events.jsonl")

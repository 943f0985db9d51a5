"""The sandbox's output is untrusted data: every malformed shape of it is refused cleanly."""

from __future__ import annotations

import json
import os
import struct

import pytest
import torch
from safetensors.torch import save

import grader.sandbox.channel as channel


def _blob(header: dict, body: bytes) -> bytes:
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + body


def test_valid_file_loads(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes(save({"a": torch.arange(4.0)}))
    assert torch.equal(channel.read_tensors(p)["a"], torch.arange(4.0))


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
        channel.read_tensors(p)


def test_huge_header_length_is_rejected(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(channel.ChannelError, match="header"):
        channel.read_tensors(p)


def test_symlink_is_not_followed(tmp_path):
    target = tmp_path / "secret"
    target.write_text("{}")
    link = tmp_path / "events.jsonl"
    link.symlink_to(target)
    with pytest.raises(channel.ChannelError, match="safely"):
        channel.read_events(link)


def test_fifo_never_hangs(tmp_path):
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(channel.ChannelError, match="not a regular file"):
        channel.read_events(fifo)


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
        channel.read_events(p)


def test_oversized_events_file_is_refused(tmp_path):
    p = tmp_path / "events.jsonl"
    with p.open("wb") as f:
        f.truncate(channel.MAX_EVENTS_BYTES + 1)
    with pytest.raises(channel.ChannelError, match="limit"):
        channel.read_events(p)


def test_descriptor_must_match_tensors():
    tensors = {"k": torch.zeros(3)}
    channel.validate_descriptor({"type": "tensor", "key": "k", "shape": [3], "dtype": "float32"},
                                tensors)
    with pytest.raises(channel.ChannelError):
        channel.validate_descriptor({"type": "tensor", "key": "k", "shape": [4]}, tensors)
    with pytest.raises(channel.ChannelError):
        channel.validate_descriptor({"type": "tensor", "key": "missing", "shape": [3]}, tensors)

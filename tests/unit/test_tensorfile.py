"""The channel's own safetensors writer: what it writes, the safetensors library reads back
bit for bit, and the trusted side's header check accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load, save_file

from grader.harness.tensorfile import DTYPES, save, to_bytes
from grader.sandbox.channel import DTYPE_SIZES, check_safetensors_header


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert list(a) == list(b) or set(a) == set(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        # bit for bit (NaN, -0.0): as bytes
        assert torch.equal(a[name].reshape(-1).view(torch.uint8),
                           b[name].reshape(-1).view(torch.uint8)), name


def test_every_dtype_and_layout_round_trips() -> None:
    tensors = {f"d_{str(dt)[6:]}": (torch.arange(6) % 2).to(dt).reshape(3, 2)
               for dt in DTYPES}
    tensors.update({
        "scalar": torch.tensor(3.25), "empty": torch.zeros(0, 4),
        "transposed": torch.randn(4, 5).T, "strided": torch.randn(10)[::3],
        "needs_grad": torch.randn(3, requires_grad=True) * 2, "nan_inf":
            torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0]),
        "bf16": torch.randn(7).bfloat16(), "big": torch.randn(300, 70),
    })
    back = load(to_bytes(tensors))
    _same({k: v.detach().contiguous() for k, v in tensors.items()}, back)


def test_the_trusted_header_check_accepts_it_and_the_library_agrees() -> None:
    tensors = {"w": torch.randn(3, 2), "b": torch.tensor(0.5, dtype=torch.float64),
               "mask": torch.tensor([True, False])}
    data = to_bytes(tensors)
    header = check_safetensors_header(data)
    assert set(header) == set(tensors)
    assert all(entry["dtype"] in DTYPE_SIZES for entry in header.values())
    assert (len(data) - 8 - int.from_bytes(data[:8], "little")) == sum(
        t.numel() * t.element_size() for t in tensors.values())
    assert int.from_bytes(data[:8], "little") % 8 == 0  # the data starts aligned


def test_same_tensors_as_the_library_writes(tmp_path: Path) -> None:
    tensors = {"a": torch.randn(5, 3), "i": torch.arange(4), "h": torch.randn(2).half()}
    save(tensors, tmp_path / "ours.safetensors")
    save_file(tensors, str(tmp_path / "lib.safetensors"))
    _same(load((tmp_path / "lib.safetensors").read_bytes()),
          load((tmp_path / "ours.safetensors").read_bytes()))
    save({"x": torch.ones(1)}, tmp_path / "ours.safetensors")  # replaces, never appends
    assert set(load((tmp_path / "ours.safetensors").read_bytes())) == {"x"}


def test_a_dtype_the_channel_cannot_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        to_bytes({"z": torch.zeros(2, dtype=torch.complex64)})


def test_the_sandbox_reads_its_inputs_back_in_place(tmp_path: Path) -> None:
    from grader.harness.tensorfile import load_trusted

    tensors = {"odd": torch.randn(3), "wide": torch.randn(5, dtype=torch.float64),
               "flags": torch.tensor([True, False, True]), "half": torch.randn(3).bfloat16(),
               "scalar": torch.tensor(7), "none": torch.zeros(0, 2), "i8": torch.arange(5).to(
                   torch.int8)}
    save(tensors, tmp_path / "in.safetensors")
    back = load_trusted(tmp_path / "in.safetensors")
    _same(tensors, back)
    for t in back.values():  # aligned, and writable (a probe may change its copy in place)
        assert t.data_ptr() % t.element_size() == 0
        t.add_(1) if t.dtype != torch.bool else t.logical_not_()


def test_what_was_at_the_path_is_replaced_never_opened(tmp_path: Path) -> None:
    """A FIFO there (an open for writing would block) or a link (it would be followed)."""
    import os

    fifo, link, decoy = tmp_path / "a.safetensors", tmp_path / "b.safetensors", tmp_path / "d"
    os.mkfifo(fifo)
    decoy.write_text("decoy")
    link.symlink_to(decoy)
    save({"x": torch.ones(2)}, fifo)
    save({"y": torch.zeros(1)}, link)
    assert fifo.is_file() and not link.is_symlink() and decoy.read_text() == "decoy"
    assert set(load(fifo.read_bytes())) == {"x"} and set(load(link.read_bytes())) == {"y"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.safetensors", "b.safetensors",
                                                            "d"]

"""Write tensors in the safetensors format, fast, for the channel between the two sides.

``safetensors.torch.save_file`` spends ~40 us of Python per tensor (it looks for shared
storage and goes through numpy) and writes through a file of its own: ~0.3 ms for each
probe's outputs in the sandbox, and ~1 ms for a lesson's inputs on the trusted side, on
every grading. The format is simple (an 8-byte little-endian header length, a JSON header
naming each tensor's dtype, shape and byte range, then the bytes), so this module writes
it directly, one copy of each tensor's bytes. What it writes is read back with the
safetensors library (``safetensors.torch.load``), which validates it: the reader is
unchanged, only the writer is ours.
"""

from __future__ import annotations

import json
import os
import struct
import sys

import torch

DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}
for _name, _code in (("float8_e4m3fn", "F8_E4M3"), ("float8_e5m2", "F8_E5M2"),
                     ("uint16", "U16"), ("uint32", "U32"), ("uint64", "U64")):
    if hasattr(torch, _name):
        DTYPES[getattr(torch, _name)] = _code
_BY_CODE = {code: dtype for dtype, code in DTYPES.items()}


def to_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    """``tensors`` (CPU or not, any layout) as one safetensors blob."""
    if sys.byteorder != "little":  # the format is little-endian: the library converts
        from safetensors.torch import save  # noqa: PLC0415

        return save({k: v.contiguous() for k, v in tensors.items()})
    header: dict[str, dict[str, object]] = {}
    chunks: list[bytes] = []
    offset = 0
    # the widest elements first, as the library does: each tensor then starts at a multiple of
    # its element size (the data itself starts 8-byte aligned), so it can be read in place
    for name, tensor in sorted(tensors.items(), key=lambda kv: -kv[1].element_size()):
        code = DTYPES.get(tensor.dtype)
        if code is None:
            raise ValueError(f"tensor {name!r}: dtype {tensor.dtype} cannot be written")
        flat = tensor.detach().to("cpu").contiguous().reshape(-1)
        data = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        header[name] = {"dtype": code, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as the library's does
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def load_trusted(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """The tensors of a file this module wrote on the trusted side (a job's inputs, read
    before any student code runs), as writable tensors over one buffer. Not for what the
    sandbox returns: the trusted side reads that with the safetensors library, after
    checking it (``grader.sandbox.channel``)."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + size])
    header.pop("__metadata__", None)
    start = 8 + size
    out: dict[str, torch.Tensor] = {}
    for name, entry in header.items():
        dtype = _BY_CODE[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = (end - begin) // dtype.itemsize
        flat = torch.frombuffer(data, dtype=dtype, count=count, offset=start + begin) \
            if count else torch.empty(0, dtype=dtype)
        out[name] = flat.reshape(entry["shape"])
    return out


def save(tensors: dict[str, torch.Tensor], path: str | os.PathLike[str]) -> None:
    """Write ``tensors`` as a new file at ``path``, replacing whatever is there (in the job's
    folder, student code may have put a FIFO there, which an open would block on, or a link,
    which it would follow): written to a fresh file beside it, then renamed over it."""
    data = to_bytes(tensors)
    target = os.fspath(path)
    fresh = f"{target}.{os.urandom(8).hex()}.tmp"  # (a name nobody can have made first)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(fresh, target)

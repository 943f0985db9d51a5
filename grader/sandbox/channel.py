"""Read what the sandbox wrote, as untrusted data: strict JSON events and checked safetensors.

Nothing here imports or unpickles anything the submission made. Files are opened without
following links, must be regular files, and are size-capped before being read; a
safetensors header is parsed and checked (dtypes, shapes, offsets) before tensors load.
"""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MAX_EVENTS_BYTES = 4 * 1024 * 1024
MAX_TENSOR_FILE_BYTES = 512 * 1024 * 1024
MAX_HEADER_BYTES = 2 * 1024 * 1024
DTYPE_SIZES = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4,
               "I64": 8, "U8": 1, "BOOL": 1}


class ChannelError(Exception):
    """The sandbox's output is malformed, oversized or not a regular file."""


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


Text = Annotated[str, Field(max_length=4000)]


class CellError(_Data):
    cell: Text
    type: Text
    message: Text
    line: int | None = None


class LoadedEvent(_Data):
    event: Literal["loaded"]
    ok: bool
    errors: list[CellError] = Field(max_length=1000)
    elapsed_s: float


class StartEvent(_Data):
    event: Literal["start"]
    probe: Text


class DoneEvent(_Data):
    event: Literal["done"]
    probe: Text
    status: Literal["ok", "error", "timeout", "grader_error"]
    error: Text | None
    outputs: dict[str, Any]
    violations: list[Text] = Field(max_length=50)
    elapsed_s: float
    step_times: list[float] = Field(max_length=1000)
    device: Literal["cpu", "cuda"] | None = None  # where a probe that names devices ran


class FinishedEvent(_Data):
    event: Literal["finished"]


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ChannelError(f"duplicate key {k!r} in sandbox output")
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise ChannelError(f"non-finite number {name} in sandbox output")


def strict_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def read_regular(path: Path, limit: int) -> bytes | None:
    """Read a regular file without following links; None if absent; error if too big."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ChannelError(f"{path.name}: cannot be opened safely ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ChannelError(f"{path.name}: not a regular file")
        if info.st_size > limit:
            raise ChannelError(f"{path.name}: {info.st_size} bytes, over the {limit}-byte limit")
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise ChannelError(f"{path.name}: over the {limit}-byte limit")
        return data
    finally:
        os.close(fd)


Event = LoadedEvent | StartEvent | DoneEvent | FinishedEvent
_EVENT_MODELS: dict[str, type[BaseModel]] = {
    "loaded": LoadedEvent, "start": StartEvent, "done": DoneEvent, "finished": FinishedEvent}


def read_events(path: Path) -> list[Event]:
    """Parse ``events.jsonl``; a malformed line stops reading (later lines are not trusted)."""
    data = read_regular(path, MAX_EVENTS_BYTES)
    if data is None:
        return []
    events: list[Event] = []
    for raw in data.decode("utf-8", "replace").splitlines():
        if not raw.strip():
            continue
        try:
            obj = strict_json(raw)
            model = _EVENT_MODELS.get(obj.get("event")) if isinstance(obj, dict) else None
            if model is None:
                raise ChannelError("unknown event")
            events.append(model.model_validate(obj))  # type: ignore[arg-type]
        except (ChannelError, ValidationError, ValueError, RecursionError) as e:
            raise ChannelError(f"malformed sandbox event: {str(e)[:200]}") from None
    return events


def check_safetensors_header(data: bytes) -> dict[str, dict[str, Any]]:
    """Validate a safetensors blob's header without building any tensor."""
    if len(data) < 8:
        raise ChannelError("tensor file too short")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(data):
        raise ChannelError("tensor file header too large or truncated")
    try:
        header = strict_json(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:  # deep nesting: RecursionError
        raise ChannelError(f"tensor file header is not valid JSON: {str(e)[:200]}") from None
    if not isinstance(header, dict):
        raise ChannelError("tensor file header is not an object")
    header.pop("__metadata__", None)
    body = len(data) - 8 - n
    spans = []
    for key, entry in header.items():
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise ChannelError(f"tensor {key!r}: malformed entry")
        dtype, shape, offs = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in DTYPE_SIZES:
            raise ChannelError(f"tensor {key!r}: dtype {dtype!r} not allowed")
        if not (isinstance(shape, list) and len(shape) <= 8
                and all(isinstance(s, int) and 0 <= s < 2**31 for s in shape)):
            raise ChannelError(f"tensor {key!r}: bad shape")
        count = 1
        for s in shape:
            count *= s
        if not (isinstance(offs, list) and len(offs) == 2
                and all(isinstance(o, int) for o in offs)):
            raise ChannelError(f"tensor {key!r}: bad offsets")
        begin, end = offs
        if not (0 <= begin <= end <= body) or end - begin != count * DTYPE_SIZES[dtype]:
            raise ChannelError(f"tensor {key!r}: offsets do not match its shape")
        spans.append((begin, end))
    spans.sort()
    for (_, e1), (b2, _) in zip(spans, spans[1:], strict=False):
        if b2 < e1:
            raise ChannelError("tensor file has overlapping tensors")
    return header


def read_tensors(path: Path) -> dict[str, Any]:
    """Load a probe's tensors after checking the file and its header."""
    from safetensors.torch import load  # noqa: PLC0415 - torch only when needed

    data = read_regular(path, MAX_TENSOR_FILE_BYTES)
    if data is None:
        return {}
    check_safetensors_header(data)
    try:
        return dict(load(data))
    except Exception as e:  # noqa: BLE001 - any decoder failure is the file's fault
        raise ChannelError(f"tensor file cannot be decoded: {str(e)[:200]}") from None


MAX_TIMING_BYTES = 64 * 1024


def read_timing(path: Path) -> dict[str, float]:
    """The timed runs' CPU seconds (``harness/timed.py``): probe id -> a finite, non-negative
    number; anything else is malformed."""
    data = read_regular(path, MAX_TIMING_BYTES)
    if data is None:
        return {}
    try:
        obj = strict_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ChannelError(f"timing record is not valid JSON: {str(e)[:200]}") from None
    if not isinstance(obj, dict) or len(obj) > 100 or not all(
            isinstance(k, str) and type(v) in (int, float) and 0 <= v < 1e6
            for k, v in obj.items()):
        raise ChannelError("malformed timing record")
    return {k: float(v) for k, v in obj.items()}


# ---------------------------------------------------------------- descriptor validation

_DESC_TYPES = {"none", "str", "number", "tensor", "numlist", "seq", "dict", "other"}


def validate_descriptor(desc: Any, tensors: dict[str, Any], depth: int = 0) -> None:
    """Check a result descriptor against the loaded tensors before decoding it."""
    if depth > 8 or not isinstance(desc, dict) or desc.get("type") not in _DESC_TYPES:
        raise ChannelError("malformed result descriptor")
    kind = desc["type"]
    if kind in {"number", "tensor", "numlist"} and not (kind == "number"
                                                       and desc.get("pytype") == "bool"):
        key = desc.get("key")
        if not isinstance(key, str) or key not in tensors:
            raise ChannelError("result descriptor names a missing tensor")
        t = tensors[key]
        if kind == "number" and (t.dim() != 0 or desc.get("pytype") not in {"int", "float"}):
            raise ChannelError("malformed number in result")
        if kind == "numlist" and (t.dim() != 1 or desc.get("pytype") not in {"list", "tuple"}
                                  or desc.get("elem") not in {"int", "float"}):
            raise ChannelError("malformed list in result")
        if kind == "tensor" and list(t.shape) != desc.get("shape"):
            raise ChannelError("result descriptor does not match its tensor")
    elif kind == "number":
        if not isinstance(desc.get("value"), bool):
            raise ChannelError("malformed bool in result")
    elif kind == "str":
        if not isinstance(desc.get("value"), str):
            raise ChannelError("malformed string in result")
    elif kind == "seq":
        items = desc.get("items")
        if not isinstance(items, list) or desc.get("pytype") not in {"list", "tuple"}:
            raise ChannelError("malformed sequence in result")
        for d in items:
            validate_descriptor(d, tensors, depth + 1)
    elif kind == "dict":
        items = desc.get("items")
        if not isinstance(items, dict):
            raise ChannelError("malformed dict in result")
        for d in items.values():
            validate_descriptor(d, tensors, depth + 1)
    elif kind == "other" and not isinstance(desc.get("name", ""), str):
        raise ChannelError("malformed result descriptor")

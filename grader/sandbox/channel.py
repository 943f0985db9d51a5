"""Read what the sandbox wrote, as untrusted data: strict JSON events and checked safetensors.

Nothing here imports or unpickles anything the submission made. A job's folder is opened
once and read through that descriptor without following a link anywhere below it; files
must be regular files with no other name, and are size-capped before being read. A
probe's results are only the outputs it declares; their descriptors are checked against
the safetensors header (dtypes, shapes, offsets, each tensor named once) and the run's
budget for decoded results is spent before a single tensor is built.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.sandbox.folder import ChannelError, JobFolder

MAX_EVENTS_BYTES = 4 * 1024 * 1024
MAX_EVENTS = 10_000  # lines: a plan makes two per probe and two more
MAX_HEADER_BYTES = 2 * 1024 * 1024
# What one sandbox run may bring back in all, decoded. The largest results of the course
# are well under 1 MB (1.4's grid: 0.7 MB); these bound what the trusted side holds, and
# so what every later stage may compute with, whatever a submission forges.
MAX_OUTPUT_BYTES = 32 * 1024 * 1024
MAX_PY_NUMBERS = 262_144  # Python numbers (scalars and list items) in all
PY_NUMBER_BYTES = 32  # a float object and its slot in a list
MAX_NUMLIST = 100_000  # items of one list of numbers
MAX_TENSOR_FILE_BYTES = MAX_OUTPUT_BYTES + MAX_HEADER_BYTES + 8
MAX_DEPTH = 8  # nesting of a result (the harness encodes 6 levels, then "other")
MAX_ITEMS = 4096  # items of one list or dict (as the harness encodes them)
MAX_NODES = 50_000  # descriptors in one probe's results
MAX_STR = 2000
MAX_SAVED_BYTES = 8 * 1024 * 1024  # a checkpoint's file (``harness.values.SavedFile``)
DTYPE_SIZES = {"F16": 2, "BF16": 2, "F32": 4, "F64": 8, "I8": 1, "I16": 2, "I32": 4,
               "I64": 8, "U8": 1, "BOOL": 1}
_TORCH_DTYPES = {"F16": "float16", "BF16": "bfloat16", "F32": "float32", "F64": "float64",
                 "I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64", "U8": "uint8",
                 "BOOL": "bool"}


class OverBudget(ChannelError):
    """Well-formed results, but more than a run may bring back (``Budget``)."""


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


Event = LoadedEvent | StartEvent | DoneEvent | FinishedEvent
_EVENT_MODELS: dict[str, type[BaseModel]] = {
    "loaded": LoadedEvent, "start": StartEvent, "done": DoneEvent, "finished": FinishedEvent}


def read_events(folder: JobFolder, name: str) -> list[Event]:
    """Parse the events file ``name`` of ``folder``; a malformed line stops reading (later
    lines are not trusted), and so do more lines than any plan makes."""
    data = folder.read(name, MAX_EVENTS_BYTES)
    if data is None:
        return []
    events: list[Event] = []
    for raw in data.decode("utf-8", "replace").splitlines():
        if not raw.strip():
            continue
        if len(events) >= MAX_EVENTS:
            raise ChannelError(f"malformed sandbox events: more than {MAX_EVENTS}")
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
                and all(type(s) is int and 0 <= s < 2**31 for s in shape)):
            raise ChannelError(f"tensor {key!r}: bad shape")
        if not (isinstance(offs, list) and len(offs) == 2
                and all(type(o) is int for o in offs)):
            raise ChannelError(f"tensor {key!r}: bad offsets")
        begin, end = offs
        if not (0 <= begin <= end <= body) or end - begin != _numel(shape) * DTYPE_SIZES[dtype]:
            raise ChannelError(f"tensor {key!r}: offsets do not match its shape")
        spans.append((begin, end))
    spans.sort()
    for (_, e1), (b2, _) in zip(spans, spans[1:], strict=False):
        if b2 < e1:
            raise ChannelError("tensor file has overlapping tensors")
    return header


def _numel(shape: list[int]) -> int:
    count = 1
    for s in shape:
        count *= s
    return count


def read_tensors(folder: JobFolder, name: str) -> dict[str, Any]:
    """Load a probe's tensors after checking the file and its header."""
    data = folder.read(name, MAX_TENSOR_FILE_BYTES)
    if data is None:
        return {}
    check_safetensors_header(data)
    return _load(data)


def _load(data: bytes) -> dict[str, Any]:
    from safetensors.torch import load  # noqa: PLC0415 - torch only when needed

    try:
        return dict(load(data))
    except Exception as e:  # noqa: BLE001 - any decoder failure is the file's fault
        raise ChannelError(f"tensor file cannot be decoded: {str(e)[:200]}") from None


MAX_TIMING_BYTES = 64 * 1024


def read_timing(folder: JobFolder, name: str) -> dict[str, float]:
    """The timed runs' CPU seconds (``harness/timed.py``, the file ``name`` of ``folder``):
    probe id -> a finite, non-negative number; anything else is malformed."""
    data = folder.read(name, MAX_TIMING_BYTES)
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

_DESC_TYPES = {"none", "str", "number", "tensor", "numlist", "seq", "dict", "saved", "other"}


@dataclass
class Budget:
    """What a whole sandbox run may still bring back, decoded: bytes of tensors (a Python
    number in a list or a scalar costs ``PY_NUMBER_BYTES``) and Python numbers. Spent, and
    checked, before anything is decoded."""

    bytes_left: int = MAX_OUTPUT_BYTES
    numbers_left: int = MAX_PY_NUMBERS

    def spend(self, nbytes: int, numbers: int) -> None:
        if nbytes > self.bytes_left:
            raise OverBudget(f"the results are too large: more than {MAX_OUTPUT_BYTES // 2**20}"
                               " MB once decoded")
        if numbers > self.numbers_left:
            raise OverBudget(f"the results hold more than {MAX_PY_NUMBERS} Python numbers")
        self.bytes_left -= nbytes
        self.numbers_left -= numbers


@dataclass
class _Plan:
    """What a probe's descriptors ask of its tensor file, once they are validated."""

    keys: list[str] = field(default_factory=list)  # the tensors they name, in order
    integral: list[str] = field(default_factory=list)  # those that must hold integers
    nodes: int = 0
    nbytes: int = 0
    numbers: int = 0


def _check_tree(desc: Any, header: dict[str, dict[str, Any]], plan: _Plan, depth: int) -> None:
    """Check one descriptor (and what it contains) against the header's entries."""
    plan.nodes += 1
    if (depth > MAX_DEPTH or plan.nodes > MAX_NODES or not isinstance(desc, dict)
            or desc.get("type") not in _DESC_TYPES):
        raise ChannelError("malformed result descriptor")
    kind = desc["type"]
    if kind == "saved":
        # a file's bytes, loaded on this side with weights_only=True into at most as many
        # bytes of tensors (``harness.values.load_saved``): both count against the budget
        key = desc.get("key")
        if not isinstance(key, str) or key not in header:
            raise ChannelError("result descriptor names a missing tensor")
        entry = header[key]
        if (set(desc) != {"type", "key"} or entry["dtype"] != "U8" or len(entry["shape"]) != 1
                or entry["shape"][0] > MAX_SAVED_BYTES):
            raise ChannelError("malformed saved file in result")
        plan.keys.append(key)
        plan.nbytes += 2 * entry["shape"][0]
    elif kind == "number" and desc.get("pytype") == "bool":
        if set(desc) != {"type", "pytype", "value"} or not isinstance(desc["value"], bool):
            raise ChannelError("malformed bool in result")
    elif kind in {"number", "numlist", "tensor"}:
        key = desc.get("key")
        if not isinstance(key, str) or key not in header:
            raise ChannelError("result descriptor names a missing tensor")
        entry = header[key]
        plan.keys.append(key)
        size = _numel(entry["shape"]) * DTYPE_SIZES[entry["dtype"]]
        if kind == "number":
            # a Python number crosses as a 0-d float64 tensor (``harness.values.encode``)
            if (set(desc) != {"type", "pytype", "key"} or desc["pytype"] not in {"int", "float"}
                    or entry["dtype"] != "F64" or entry["shape"] != []):
                raise ChannelError("malformed number in result")
            plan.nbytes += PY_NUMBER_BYTES
            plan.numbers += 1
            if desc["pytype"] == "int":
                plan.integral.append(key)
        elif kind == "numlist":
            # a list of Python numbers crosses as a 1-d float64 tensor, decoded to Python
            n = entry["shape"][0] if len(entry["shape"]) == 1 else -1
            if (set(desc) != {"type", "pytype", "elem", "key", "len"}
                    or desc["pytype"] not in {"list", "tuple"}
                    or desc["elem"] not in {"int", "float"} or entry["dtype"] != "F64"
                    or not 1 <= n <= MAX_NUMLIST or desc["len"] != n):
                raise ChannelError("malformed list in result")
            plan.nbytes += n * PY_NUMBER_BYTES
            plan.numbers += n
            if desc["elem"] == "int":
                plan.integral.append(key)
        else:
            if (not set(desc) <= {"type", "key", "dtype", "shape", "requires_grad"}
                    or desc.get("dtype") != _TORCH_DTYPES[entry["dtype"]]
                    or desc.get("shape") != entry["shape"]
                    or not isinstance(desc.get("requires_grad", False), bool)):
                raise ChannelError("result descriptor does not match its tensor")
            plan.nbytes += size
    elif kind == "str":
        if not isinstance(desc.get("value"), str) or len(desc["value"]) > MAX_STR:
            raise ChannelError("malformed string in result")
    elif kind == "seq":
        items = desc.get("items")
        if (not isinstance(items, list) or len(items) > MAX_ITEMS
                or desc.get("pytype") not in {"list", "tuple"}):
            raise ChannelError("malformed sequence in result")
        for d in items:
            _check_tree(d, header, plan, depth + 1)
    elif kind == "dict":
        items = desc.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise ChannelError("malformed dict in result")
        for d in items.values():
            _check_tree(d, header, plan, depth + 1)
    elif kind == "other" and not isinstance(desc.get("name", ""), str):
        raise ChannelError("malformed result descriptor")


def read_outputs(folder: JobFolder, name: str, descriptors: dict[str, Any],
                 declared: list[str], budget: Budget) -> dict[str, Any]:
    """The decoded outputs of one probe that ran: exactly the outputs the probe declares,
    each descriptor checked against the tensor file's header, every tensor named once and
    none left over, the run's budget spent, all before a single tensor is built."""
    from grader.harness.values import decode  # noqa: PLC0415 - imports torch

    if set(descriptors) != set(declared):
        extra = sorted(set(descriptors) - set(declared))[:3]
        raise ChannelError(f"outputs the probe does not declare: {extra}" if extra else
                           "outputs the probe declares are missing")
    data = folder.read(name, MAX_TENSOR_FILE_BYTES)
    header = check_safetensors_header(data) if data is not None else {}
    plan = _Plan()
    for desc in descriptors.values():
        _check_tree(desc, header, plan, 0)
    if len(set(plan.keys)) != len(plan.keys):
        raise ChannelError("a tensor is named by more than one result")
    if set(plan.keys) != set(header):
        raise ChannelError("the tensor file holds tensors no result names")
    budget.spend(plan.nbytes, plan.numbers)
    tensors = _load(data) if data is not None else {}
    for key in plan.integral:
        t = tensors[key]
        if not bool((t.isfinite() & (t == t.round())).all()):
            raise ChannelError("an integer in the result is not an integer")
    return {out: decode(desc, tensors) for out, desc in descriptors.items()}

"""Resolve step arguments, and encode Python results as plain tensors plus a descriptor.

A result crosses the sandbox boundary as a JSON descriptor of its structure and a flat
dict of plain tensors (written as safetensors). Only exact ``torch.Tensor`` objects (or
``nn.Parameter``), Python numbers, strings, None, lists, tuples and string-keyed dicts
(``dict``, or ``OrderedDict`` as ``state_dict()`` returns) are encoded; anything else
becomes an ``other`` leaf that no check accepts.

A file the code wrote with ``torch.save`` (a checkpoint) crosses as its bytes
(``SavedFile``): ``decode``, on the trusted side, loads it there with
``torch.load(weights_only=True)`` after checking the archive, and hands on what it holds as
the same plain data (integer keys, such as an optimizer's parameter indices, become strings).
"""

from __future__ import annotations

import io
import numbers
import re
import zipfile
from collections import OrderedDict
from typing import Any

import torch

MAX_DEPTH = 6
MAX_LEAVES = 4096
MAX_STR = 2000
# What the trusted side accepts back (``grader.sandbox.channel``): a bigger result is
# refused here, with a message, rather than taken for a forgery there.
MAX_RESULT_BYTES = 32 * 1024 * 1024  # tensors; a Python number counts PY_NUMBER_BYTES
MAX_NUMLIST = 100_000
PY_NUMBER_BYTES = 32
# A SavedFile (a checkpoint) crosses only up to this size. It counts twice against
# MAX_RESULT_BYTES: its bytes, and the tensors it holds once loaded (at most as many).
MAX_SAVED_BYTES = 8 * 1024 * 1024
MAX_SAVED_NODES = 50_000  # containers and leaves of a loaded checkpoint, shared ones each time
ALLOWED_DTYPES = {
    torch.float16, torch.bfloat16, torch.float32, torch.float64,
    torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool,
}


class SavedFile:
    """The bytes of a file written by ``torch.save`` (a checkpoint), to be loaded by the
    trusted side itself with ``torch.load(weights_only=True)``: see ``load_saved``."""

    def __init__(self, data: bytes) -> None:
        self.data = data


class SpecBug(Exception):
    """The spec refers to something that does not exist (a grader-side error)."""


def resolve(arg: Any, ns: dict[str, Any], symbol: Any) -> Any:
    """Turn a spec argument into a Python value using the probe namespace."""
    if isinstance(arg, str) and arg.startswith("$"):
        name = arg[1:]
        if name not in ns:
            raise SpecBug(f"unknown name {name!r} in probe namespace")
        return ns[name]
    if isinstance(arg, list):
        return [resolve(a, ns, symbol) for a in arg]
    if isinstance(arg, dict):
        if len(arg) == 1:
            (key, inner), = arg.items()
            if key == "float":
                return float(_scalar(resolve(inner, ns, symbol)))
            if key == "int":
                return int(_scalar(resolve(inner, ns, symbol)))
            if key == "bool":
                return bool(_scalar(resolve(inner, ns, symbol)))
            if key == "tuple":
                return tuple(resolve(inner, ns, symbol))
            if key == "student":
                return symbol(inner)
            if key == "clone":
                value = resolve(inner, ns, symbol)
                return value.clone() if isinstance(value, torch.Tensor) else value
        return {k: resolve(v, ns, symbol) for k, v in arg.items()}
    return arg


def _scalar(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.item()
    return value


def _number_kind(value: Any) -> str | None:
    """"bool", "int" or "float" for a number, else None. A number is Python's own, or any
    real number type (``numbers.Real``: NumPy's scalars, ``np.float64(x)`` from
    ``np.mean``, a ``Fraction``): crossed as its value, so an exercise that asks for a
    Python number takes a NumPy one as it is. Tensors (a 0-d one too) are not numbers here."""
    t = type(value)
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    if t.__name__ in ("bool_", "bool") and t.__module__ == "numpy":
        return "bool"  # (NumPy's, from a comparison)
    if t in (str, list, tuple, dict, torch.Tensor, torch.nn.Parameter) or value is None:
        return None  # (the common cases, without the abstract classes' slower isinstance)
    try:
        if isinstance(value, numbers.Integral):
            return "int"
        if isinstance(value, numbers.Real):
            return "float"
    except Exception:  # noqa: BLE001 - the submission's own class: then it is no number
        return None
    return None


def _as_float(value: Any) -> float:
    """A number's value as a Python float; one that has none (a class of the submission's
    whose ``__float__`` fails or lies about its type) is no result."""
    try:
        x = float(value)
    except Exception as e:  # noqa: BLE001 - the submission's own __float__
        raise ValueError(f"a number of type {type(value).__name__} that float() refuses "
                         f"({type(e).__name__})") from None
    if type(x) is not float:
        raise ValueError(f"a number of type {type(value).__name__} whose value is not a float")
    return x


def encode(value: Any, key: str) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Encode ``value`` under ``key``; returns (descriptor, tensors)."""
    tensors: dict[str, torch.Tensor] = {}
    counter = [0, 0]  # tensors, bytes once decoded
    desc = _encode(value, key, tensors, counter, 0)
    return desc, tensors


def _leaf(key: str, t: torch.Tensor, tensors: dict[str, torch.Tensor], counter: list[int],
          nbytes: int | None = None) -> None:
    counter[0] += 1
    if counter[0] > MAX_LEAVES:
        raise ValueError("result has too many parts")
    counter[1] += t.numel() * t.element_size() if nbytes is None else nbytes
    if counter[1] > MAX_RESULT_BYTES:
        raise ValueError(f"result is larger than {MAX_RESULT_BYTES // 2**20} MB")
    tensors[key] = t


def _encode(v: Any, key: str, tensors: dict[str, torch.Tensor], counter: list[int],
            depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        return {"type": "other", "name": "too deeply nested"}
    if v is None:
        return {"type": "none"}
    kind = _number_kind(v)
    if kind is not None:
        if kind == "bool":
            return {"type": "number", "pytype": "bool", "value": bool(v)}
        _leaf(key, torch.tensor(_as_float(v), dtype=torch.float64), tensors, counter,
              PY_NUMBER_BYTES)
        return {"type": "number", "pytype": kind, "key": key}
    if type(v) is str:
        return {"type": "str", "value": v[:MAX_STR]}
    if type(v) is SavedFile:
        if len(v.data) > MAX_SAVED_BYTES:
            return {"type": "other", "name": f"saved file over {MAX_SAVED_BYTES >> 20} MB"}
        _leaf(key, torch.frombuffer(bytearray(v.data), dtype=torch.uint8) if v.data
              else torch.zeros(0, dtype=torch.uint8), tensors, counter, 2 * len(v.data))
        return {"type": "saved", "key": key}
    if type(v) in (torch.Tensor, torch.nn.Parameter):
        if v.layout != torch.strided or v.dtype not in ALLOWED_DTYPES or v.is_quantized:
            return {"type": "other", "name": f"tensor of dtype {v.dtype} / layout {v.layout}"}
        t = v.detach().to("cpu").contiguous().clone()
        _leaf(key, t, tensors, counter)
        return {"type": "tensor", "key": key, "dtype": str(t.dtype).removeprefix("torch."),
                "shape": list(t.shape), "requires_grad": bool(v.requires_grad)}
    if type(v) in (list, tuple):
        pytype = "list" if type(v) is list else "tuple"
        kinds = {_number_kind(x) for x in v}
        if v and kinds <= {"int", "float"}:
            if len(v) > MAX_NUMLIST:
                raise ValueError(f"a list of more than {MAX_NUMLIST} numbers")
            _leaf(key, torch.tensor([_as_float(x) for x in v], dtype=torch.float64), tensors,
                  counter, len(v) * PY_NUMBER_BYTES)
            elem = "int" if kinds == {"int"} else "float"
            return {"type": "numlist", "pytype": pytype, "elem": elem, "key": key, "len": len(v)}
        if len(v) > MAX_LEAVES:
            raise ValueError("result has too many parts")
        items = [_encode(x, f"{key}.{i}", tensors, counter, depth + 1) for i, x in enumerate(v)]
        return {"type": "seq", "pytype": pytype, "items": items}
    if type(v) in (dict, OrderedDict):  # exactly these: a module's state_dict is ordered
        if not all(type(k) is str for k in v):
            return {"type": "other", "name": "dict with non-string keys"}
        if len(v) > MAX_LEAVES:
            raise ValueError("result has too many parts")
        return {"type": "dict", "items": {
            k: _encode(x, f"{key}.{k}", tensors, counter, depth + 1) for k, x in v.items()}}
    return {"type": "other", "name": _type_name(v)}


def _type_name(v: Any) -> str:
    """``ndarray`` as ``numpy.ndarray``: where a result's type comes from says what it is."""
    t = type(v)
    top = str(getattr(t, "__module__", "") or "").split(".")[0]
    name = str(getattr(t, "__qualname__", t.__name__))
    return (name if top in ("builtins", "") else f"{top}.{name}")[:100]


def decode(desc: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """Rebuild a value from a *validated* descriptor and its tensors."""
    kind = desc["type"]
    if kind == "none":
        return None
    if kind == "str":
        return desc["value"]
    if kind == "number":
        if desc["pytype"] == "bool":
            return bool(desc["value"])
        x = tensors[desc["key"]].item()
        return int(x) if desc["pytype"] == "int" else float(x)
    if kind == "tensor":
        return tensors[desc["key"]]
    if kind == "numlist":
        xs = tensors[desc["key"]].tolist()
        vals = [int(x) for x in xs] if desc["elem"] == "int" else [float(x) for x in xs]
        return vals if desc["pytype"] == "list" else tuple(vals)
    if kind == "seq":
        items = [decode(d, tensors) for d in desc["items"]]
        return items if desc["pytype"] == "list" else tuple(items)
    if kind == "dict":
        return {k: decode(d, tensors) for k, d in desc["items"].items()}
    if kind == "saved":
        return load_saved(tensors[desc["key"]])
    return Unsupported(desc.get("name", "?"))


def _archive_problem(data: bytes) -> str | None:
    """Why ``data`` is not a plain ``torch.save`` archive (a zip whose entries are stored,
    not compressed, and add up to no more than the file), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "not a torch.save archive (a zip file)"
    if any(e.compress_type != zipfile.ZIP_STORED for e in entries):
        return "a compressed entry: torch.save stores its entries as they are"
    if sum(e.file_size for e in entries) > len(data):
        return "entries larger than the file"
    return None


class _TooLarge(Exception):
    """A loaded checkpoint holds more than its file's bytes, or too many parts."""


def _plain(value: Any, left: list[int], depth: int = 0) -> Any:
    """A loaded checkpoint as data ``encode`` takes: dict keys as strings (an optimizer's
    ``state`` is keyed by parameter index), ``OrderedDict`` as ``dict``. ``left`` is what it
    may still hold, [parts, tensor bytes], spent as it is walked: a part shared many times
    (a pickle's memo) counts each time, and a tensor counts its elements however its
    storage is strided, so nothing here or later expands beyond the file's own size."""
    left[0] -= 1
    if left[0] < 0:
        raise _TooLarge(f"more than {MAX_SAVED_NODES} parts")
    if depth > MAX_DEPTH:
        return Unsupported("too deeply nested")
    if isinstance(value, torch.Tensor):
        left[1] -= value.numel() * value.element_size()
        if left[1] < 0:
            raise _TooLarge("tensors larger than the file that holds them")
        return value
    if isinstance(value, dict):
        return {str(k) if type(k) in (int, str) else repr(k)[:100]: _plain(v, left, depth + 1)
                for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_plain(v, left, depth + 1) for v in value)
    return value


def load_saved(data: torch.Tensor) -> Any:
    """A ``SavedFile``'s bytes loaded on the trusted side: ``torch.load`` with
    ``weights_only=True`` (tensors, numbers, strings and containers only: nothing in the
    file can run code), after the archive's entries are checked, then kept to the limits of
    any result. What cannot be loaded so is an ``Unsupported`` saying why."""
    raw = data.contiguous().numpy().tobytes() if data.numel() else b""
    problem = _archive_problem(raw)
    if problem is not None:
        return Unsupported(f"file that cannot be loaded safely ({problem})")
    try:
        loaded = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - whatever the file's fault, it is the file's
        named = re.search(r"GLOBAL ([\w.]+)", str(e))
        reason = (f"it names {named.group(1)}, which only a full unpickle would build or call"
                  if named else f"{type(e).__name__}: {str(e).strip()[:160]}")
        return Unsupported(f"file that torch.load(weights_only=True) refuses ({reason})")
    try:
        return decode(*encode(_plain(loaded, [MAX_SAVED_NODES, len(raw)]), "saved"))
    except (ValueError, RecursionError, _TooLarge) as e:
        return Unsupported(f"file too large to compare ({e})")


class Unsupported:
    """A result of a type no check accepts (a custom class, a numpy array, ...)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"

"""Small arithmetic expressions over a lesson's inputs and dims, as specs write them.

A diagnoser in a spec may say "the output times ``n``" or "the reference re-run with
``rmsprop_alpha`` replaced by ``1 - rmsprop_alpha``". Such an expression is data: it is
parsed with ``ast`` and walked here, never compiled or executed. Allowed: numbers, names
of inputs and dims, ``+ - * / // % **``, unary minus, slicing (``X[:n - 1]``) and a few
functions (``ceil``, ``floor``, ``sqrt``, ``min``, ``max``, ``abs``, ``int``, ``float``).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _number(x: Any) -> Any:
    """A 0-d tensor as a Python number (functions below work on numbers)."""
    return x.item() if hasattr(x, "item") and getattr(x, "dim", lambda: 1)() == 0 else x


def _sqrt(x: Any) -> Any:
    return x.sqrt() if hasattr(x, "sqrt") else math.sqrt(x)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "ceil": lambda x: math.ceil(_number(x)),
    "floor": lambda x: math.floor(_number(x)),
    "sqrt": _sqrt,
    "min": lambda *xs: min(_number(x) for x in xs),
    "max": lambda *xs: max(_number(x) for x in xs),
    "abs": abs,
    "int": lambda x: int(_number(x)),
    "float": lambda x: float(_number(x)),
}


class ExpressionError(ValueError):
    """An expression that is not allowed, or names something unknown."""


def parse(text: str) -> ast.expr:
    """The checked syntax tree of ``text``; raises ExpressionError for anything not allowed."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ExpressionError(f"not an expression: {text!r} ({e.msg})") from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.Constant, ast.Name, ast.BinOp, ast.UnaryOp, ast.Call,
                               ast.Subscript, ast.Slice, ast.Tuple, ast.Load,
                               ast.operator, ast.unaryop))
        if isinstance(node, ast.Constant) and not (
                isinstance(node.value, (int, float)) and not isinstance(node.value, bool)):
            ok = False
        if isinstance(node, ast.BinOp) and type(node.op) not in _BINARY:
            ok = False
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
            ok = False
        if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
                and not node.keywords):
            ok = False
        if not ok:
            raise ExpressionError(f"{text!r}: {type(node).__name__} is not allowed here")
    return tree


def names(text: str) -> set[str]:
    """The input and dim names ``text`` refers to (function names excluded)."""
    tree = parse(text)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def evaluate(text: str, env: dict[str, Any]) -> Any:
    """The value of ``text`` with names looked up in ``env`` (tensors, ints or floats)."""
    return _eval(parse(text), env)


def _eval(node: ast.expr, env: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ExpressionError(f"unknown name {node.id!r}")
        return env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    if isinstance(node, ast.Subscript):
        return _eval(node.value, env)[_index(node.slice, env)]
    raise ExpressionError(f"{type(node).__name__} is not allowed here")


def _index(node: ast.expr, env: dict[str, Any]) -> Any:
    def bound(n: ast.expr | None) -> int | None:
        return None if n is None else int(_number(_eval(n, env)))

    if isinstance(node, ast.Slice):
        return slice(bound(node.lower), bound(node.upper), bound(node.step))
    if isinstance(node, ast.Tuple):
        return tuple(_index(e, env) for e in node.elts)
    return bound(node)

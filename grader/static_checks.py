"""Source-level rule checks on the trusted side: the submission is parsed, never run.

They back up the sandbox's watchers (which student code could undo): a function that
must not use autograd is scanned for ``backward``/``autograd``/``requires_grad``, and a
file whose optimizers must be hand-written is scanned for torch.optim's algorithms.
"""

from __future__ import annotations

import ast

from .harness.guards import _FUNCTIONAL, _OPTIMIZERS

_AUTOGRAD_WORDS = {"backward", "autograd", "requires_grad", "requires_grad_", "enable_grad"}
_AUTOGRAD_NAMES = {"autograd", "enable_grad"}  # as bare names (``from torch import autograd``)


def _parse_cells(sources: list[str]) -> list[ast.Module]:
    trees = []
    for src in sources:
        try:
            trees.append(ast.parse(src))
        except SyntaxError:
            continue
    return trees


def _definitions(trees: list[ast.Module], name: str) -> list[ast.AST]:
    return [node for tree in trees for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name == name]


def uses_autograd(sources: list[str], name: str) -> str | None:
    """A message if the definition of ``name`` mentions autograd, else None."""
    for node in _definitions(_parse_cells(sources), name):
        for sub in ast.walk(node):
            word = None
            if isinstance(sub, ast.Attribute) and sub.attr in _AUTOGRAD_WORDS:
                word = sub.attr
            elif isinstance(sub, ast.Name) and sub.id in _AUTOGRAD_NAMES:
                word = sub.id  # a bare `backward(...)` is the student's own function
            elif isinstance(sub, ast.keyword) and sub.arg == "requires_grad":
                word = "requires_grad"
            if word:
                return (f"`{name}` uses autograd (`{word}` on line {sub.lineno}); "
                        "this exercise asks for the gradient by hand")
    return None


def uses_builtin_optimizer(sources: list[str]) -> str | None:
    """A message if the code refers to one of torch.optim's algorithms (not ``Optimizer``)."""
    banned = set(_OPTIMIZERS) | set(_FUNCTIONAL)
    for tree in _parse_cells(sources):
        for sub in ast.walk(tree):
            if (isinstance(sub, ast.ImportFrom) and sub.module
                    and sub.module.startswith("torch.optim")):
                tail = sub.module.split(".")[-1]
                names = [a.name for a in sub.names]
                hit = [n for n in names if n in banned] or ([tail] if tail in banned else [])
                if hit:
                    return (f"line {sub.lineno} imports torch.optim's {hit[0]}: write the "
                            "algorithm yourself (only torch.optim.Optimizer is allowed)")
            if isinstance(sub, ast.Attribute) and sub.attr in banned:
                base = sub.value
                if isinstance(base, ast.Attribute) and base.attr == "optim" or \
                        isinstance(base, ast.Name) and base.id == "optim":
                    return (f"line {sub.lineno} uses optim.{sub.attr}: write the algorithm "
                            "yourself (only torch.optim.Optimizer is allowed)")
    return None

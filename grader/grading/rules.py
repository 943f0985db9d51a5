"""Source-level rule checks on the trusted side: the submission is parsed, never run.

They back up the sandbox's watchers (which student code could undo): a function that
must not use autograd is scanned for ``backward``/``autograd``/``requires_grad``, with the
module-level helpers and names it uses, and a file whose optimizers must be hand-written
is scanned for torch.optim's algorithms.
"""

from __future__ import annotations

import ast

from grader.course.spec import Probe
from grader.harness.guards import _FUNCTIONAL, _OPTIMIZERS

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
    """A message if the definition of ``name`` mentions autograd, else None.

    The module-level helpers and names it uses are read too, and theirs in turn: a
    ``requires_grad_`` in a helper, or ``grad`` imported from ``torch.autograd`` (or
    ``torch.func``) under another name, is autograd all the same."""
    trees = _parse_cells(sources)
    bindings = _bindings(trees)
    todo: list[tuple[str, ast.AST]] = [(name, node) for node in _definitions(trees, name)]
    seen: set[int] = set()
    while todo:
        via, node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found = _autograd_word(node, via)
        if found:
            word, line = found
            where = "" if via == name else f", in `{via}`, which it uses"
            return (f"`{name}` uses autograd (`{word}` on line {line}{where}); "
                    "this exercise asks for the gradient by hand")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                             ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for free in _free_names(node):
                todo += [(free, bound) for bound in bindings.get(free, [])]
    return None


_GRAD_MODULES = {"autograd", "func", "functorch"}  # torch.autograd, torch.func, functorch


def _autograd_word(node: ast.AST, bound_name: str) -> tuple[str, int] | None:
    """(word, line) of the first use of autograd in ``node`` (for an import: in the part of
    it that binds ``bound_name``), or None."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if (alias.asname or alias.name.split(".")[0]) != bound_name:
                continue
            parts = set(alias.name.split("."))
            if isinstance(node, ast.ImportFrom):
                parts |= set((node.module or "").split("."))
            elif alias.asname is None:
                continue  # `import torch.autograd` binds `torch`, used for everything
            hit = parts & (_GRAD_MODULES | _AUTOGRAD_NAMES)
            if hit:
                return sorted(hit)[0], node.lineno
        return None
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in _AUTOGRAD_WORDS:
            return sub.attr, sub.lineno
        if isinstance(sub, ast.Attribute) and sub.attr == "func" and \
                isinstance(sub.value, ast.Name) and sub.value.id == "torch":
            return "torch.func", sub.lineno
        if isinstance(sub, ast.Name) and sub.id in _AUTOGRAD_NAMES:
            return sub.id, sub.lineno  # a bare `backward(...)` is the student's own function
        if isinstance(sub, ast.keyword) and sub.arg == "requires_grad":
            return "requires_grad", sub.lineno
    return None


def _free_names(node: ast.AST) -> set[str]:
    """Names ``node`` reads but does not bind itself (parameters and local assignments of a
    function are its own), roughly: enough to find the module-level names it uses."""
    loads, local = set(), set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (loads if isinstance(sub.ctx, ast.Load) else local).add(sub.id)
        elif isinstance(sub, ast.arg):
            local.add(sub.arg)
    return loads - local


def _bindings(trees: list[ast.Module]) -> dict[str, list[ast.AST]]:
    """Module-level statements that bind each name (definitions, assignments, imports),
    also inside top-level ``if``/``try``/``with`` blocks, except ``if __name__ == ...``."""
    found: dict[str, list[ast.AST]] = {}

    def bind(name: str, node: ast.AST) -> None:
        found.setdefault(name, []).append(node)

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(node.name, node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    bind(alias.asname or alias.name.split(".")[0], node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            bind(sub.id, node)
            elif isinstance(node, ast.If) and "__name__" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody,
                              *(h.body for h in node.handlers)):
                    visit(block)
            elif isinstance(node, ast.With):
                visit(node.body)

    for tree in trees:
        visit(tree.body)
    return found


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


def rule_violations(probes: list[Probe], sources: list[str]) -> dict[str, str]:
    """probe id -> a rule violation found in the source, for probes with guarded steps."""
    found: dict[str, str] = {}
    optim_msg: str | None = None
    optim_checked = False
    for probe in probes:
        for step in probe.steps:
            if step.no_autograd and step.call:
                msg = uses_autograd(sources, step.call)
                if msg:
                    found.setdefault(probe.id, msg)
            if step.no_builtin_optimizers:
                if not optim_checked:
                    optim_msg, optim_checked = uses_builtin_optimizer(sources), True
                if optim_msg:
                    found.setdefault(probe.id, optim_msg)
    return found

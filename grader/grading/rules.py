"""Source-level rule checks on the trusted side: the submission is parsed, never run.

A rule (``no_autograd`` on a step that calls the student's function, ``no_builtin_optimizers``
on a step that runs the student's optimizer, ``forbid`` naming torch functions the function
must not use: ``softmax`` when the exercise is to write it) is enforced here, from outside
the student's process; the sandbox's watchers, which student code could undo, are a second
line (for ``forbid``, the scan is the only one: the behaviour checks compare the values).

How the source is read:

- **What a rule-bound function runs.** Every statement that binds its name is followed, not
  only a ``def``: assignments (``mse_grad = _impl``), imports under another name, loop and
  ``with`` targets, walrus, ``global`` declarations in other functions. From there, every
  module-level name the code reads is followed to its own bindings, and every place that
  mutates such a module-level object (``_CACHE["f"] = ...``, ``_CACHE.update(...)``, an
  attribute set on one of the student's functions or classes) is read too. Everything
  reached is searched for autograd: attributes (``backward``, ``requires_grad_``,
  ``enable_grad``, anything with ``autograd`` in its name, ``torch.func``, ``functorch``),
  names, ``requires_grad=`` keywords, and the same words as string constants.
- **What names refer to.** Imports (``import torch.optim as o``, ``from torch import optim as
  o``), aliases (``o = torch.optim``), ``importlib.import_module``/``__import__`` and
  ``getattr`` with constant strings, and attribute chains are resolved to dotted paths
  (``o.Adam`` is ``torch.optim.Adam``); torch.optim's algorithms are banned anywhere in the
  file under any of these spellings (only ``torch.optim.Optimizer`` is allowed).
- **What cannot be resolved.** In a lesson with a rule, any dynamic access anywhere in the
  submission (``getattr``/``setattr``/``hasattr``/``delattr`` with a computed name or used
  as a value; ``globals``/``vars``/``locals``; ``__dict__``, ``__builtins__``,
  ``__globals__``, ``__subclasses__`` and the like; frames; ``sys.modules``;
  ``exec``/``eval``/``compile``; ``ctypes``; ``importlib``/``__import__`` with a computed
  name; unpickling; other processes; patching an imported module's attributes; the
  grader's own harness) fails every rule-bound check with a message naming the construct
  and its line, and flags the submission for review.

Residual limits: code reached only through objects the harness hands in (a callable's own
attributes are covered by the dunder list) or through a library's documented behaviour is
not followed; a module-level helper that only mutates a shared object through a method
not listed in ``_MUTATORS`` is found only if something the function reads binds it. The
watchers in the sandbox and the behaviour checks (returned tensors carry no autograd graph;
rule-bound steps run under ``torch.no_grad()``, so autograd needs an explicit, visible
``enable_grad``) back these up.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from grader.course.spec import Probe
from grader.harness.guards import _FUNCTIONAL, _OPTIMIZERS

# ---------------------------------------------------------------- vocabulary

# attributes (and keyword arguments) that are autograd wherever they appear
_AUTOGRAD_ATTRS = {"backward", "requires_grad", "requires_grad_", "enable_grad",
                   "set_grad_enabled", "retain_grad", "register_hook", "_execution_engine",
                   "run_backward", "functorch"}
# bare names that are autograd (``from torch import autograd``); a bare ``backward(...)``
# is the student's own function
_AUTOGRAD_NAMES = {"autograd", "enable_grad", "set_grad_enabled", "functorch"}
# string constants that name autograd (``getattr(torch, "autograd")``)
_AUTOGRAD_STRINGS = _AUTOGRAD_ATTRS | {"autograd", "torch.autograd", "torch.func", "grad_mode"}
_BANNED_OPTIM = set(_OPTIMIZERS) | set(_FUNCTIONAL) | {"_functional"}

# dynamic access: attributes that open a namespace, a frame or a code object
_DYNAMIC_ATTRS = {
    "__dict__", "__builtins__", "__globals__", "__getattribute__", "__getattr__",
    "__setattr__", "__delattr__", "__subclasses__", "__code__", "__closure__", "__self__",
    "__bases__", "__base__", "__mro__", "__import__", "__loader__", "__spec__",
    "__reduce__", "__reduce_ex__", "__traceback__", "__wrapped__", "f_globals", "f_locals",
    "f_back", "f_builtins", "f_code", "gi_frame", "cr_frame", "ag_frame", "tb_frame",
    "cell_contents", "get_field",
}
_DYNAMIC_BUILTINS = {"globals", "vars", "locals", "exec", "eval", "compile", "__import__",
                     "__builtins__", "breakpoint"}
_ATTR_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}
# modules whose use cannot be followed: they reach code or objects by name, run other
# programs (code in a string: `python -c "..."`), or are the grader's own. A fork runs this
# same source, which the scan reads: it is not one of them.
_DYNAMIC_MODULES = {
    "ctypes", "_ctypes", "cffi", "builtins", "__builtin__", "inspect", "gc", "pickle",
    "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "marshal", "shelve", "copyreg",
    "runpy", "code", "codeop", "zipimport", "pkgutil", "subprocess", "pty", "harness",
    "grader", "reference",
}
# dotted paths whose use cannot be followed (prefixes)
_DYNAMIC_PATHS = {
    "sys.modules", "sys._getframe", "sys.settrace", "sys.setprofile", "sys.meta_path",
    "sys.path", "sys.path_hooks", "sys.path_importer_cache", "sys.exc_info",
    "sys.exception", "os.system", "os.popen", "os.posix_spawn",
    "os.posix_spawnp", "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp",
    "os.execlpe", "os.execvp", "os.execvpe", "os.spawnl", "os.spawnle", "os.spawnv",
    "os.spawnve", "os.spawnlp", "os.spawnvp", "torch._C", "torch.load", "torch.hub",
    "torch.package", "torch.jit.load", "torch.distributed", "torch.utils.cpp_extension",
    "torch.serialization", "numpy.load", "types.FunctionType", "types.CodeType",
    "types.LambdaType", "types.ModuleType", "operator.attrgetter", "operator.methodcaller",
}
_OK_IMPORTLIB = {"importlib.import_module"}  # with a constant name: resolved
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add", "__setitem__",
             "register", "set", "put", "push", "appendleft", "extendleft"}


Flag = Callable[[str, ast.AST], None]


@dataclass(frozen=True)
class Where:
    line: int
    cell: str | None = None  # a notebook cell's label; None for a single file

    def __str__(self) -> str:
        return f"line {self.line}" if self.cell is None else f"{self.cell}, line {self.line}"


@dataclass
class RuleFindings:
    """What the scan found: probe id -> why its rule-bound checks fail, and reasons for a
    person to review the submission."""

    violations: dict[str, str] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    # probe id -> a rule-bound function with no binding in the source: a violation only if
    # the probe ran (then it was made where the scan cannot see); else the run's own error
    # (not defined, or the cell that defines it does not load) says more
    unbound: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- the parsed submission

def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round): a block that never runs when graded."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(consts) == 1


class Source:
    """The submission's cells, parsed, with what each module-level name is bound by."""

    def __init__(self, sources: list[str], labels: list[str] | None = None) -> None:
        self.trees: list[ast.Module] = []
        self.cell_of: dict[int, str | None] = {}
        many = len(sources) > 1
        for i, src in enumerate(sources):
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue  # the cell does not load in the sandbox either
            label = (labels[i] if labels and i < len(labels) else f"cell {i + 1}") if many \
                else None
            self.trees.append(tree)
            self.cell_of[id(tree)] = label
        # each node's ``ast.walk``, in its order, made once: the rules below read the same
        # functions again and again (for each rule-bound name, what it reaches)
        self._walks: dict[int, list[ast.AST]] = {}
        every = [n for tree in self.trees for n in self.walk(tree)]
        self.name_reassigned = any(
            isinstance(n, ast.Name) and n.id == "__name__" and not isinstance(n.ctx, ast.Load)
            for n in every)
        self.top: list[ast.stmt] = []  # module-level statements that run at import
        self.mutations: dict[str, list[tuple[ast.stmt, bool]]] | None = None  # _mutations
        self.tree_of: dict[int, ast.Module] = {}  # any node -> its cell
        for tree in self.trees:
            for sub in self.walk(tree):
                self.tree_of[id(sub)] = tree
            self.top += self._run_at_import(tree.body)
        self.bindings = self._bindings()
        # every assignment in any scope (for whole-file rules), and module-level ones only
        # (for what a reached function's free names refer to)
        self.origins = _Origins(every)
        self.module_origins = _Origins(
            n for stmt in self.top
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for n in _walk_header(stmt))

    def walk(self, node: ast.AST) -> list[ast.AST]:
        """``list(ast.walk(node))``, made once per node (the trees are never changed)."""
        found = self._walks.get(id(node))
        if found is None:
            found = self._walks[id(node)] = list(ast.walk(node))
        return found

    def where(self, node: ast.AST) -> Where:
        tree = self.tree_of.get(id(node))
        return Where(getattr(node, "lineno", 0), self.cell_of.get(id(tree)) if tree else None)

    def _run_at_import(self, body: list[ast.stmt]) -> Iterator[ast.stmt]:
        """Module-level statements, flattened through compound statements (their headers
        stay with them), except the body of an ``if __name__ == "__main__":`` block."""
        for node in body:
            if isinstance(node, ast.If) and _is_main_guard(node.test) \
                    and not self.name_reassigned:
                yield from self._run_at_import(node.orelse)
                continue
            yield node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for block in ("body", "orelse", "finalbody"):
                inner = getattr(node, block, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    yield from self._run_at_import(inner)
            for handler in getattr(node, "handlers", []):
                yield from self._run_at_import(handler.body)
            for case in getattr(node, "cases", []):
                yield from self._run_at_import(case.body)

    def _bindings(self) -> dict[str, list[ast.stmt]]:
        """Module-level name -> the module-level statements that bind it (for a compound
        statement, the whole statement), and the functions that bind it through ``global``."""
        found: dict[str, list[ast.stmt]] = {}

        def bind(name: str, stmt: ast.stmt) -> None:
            if stmt not in found.setdefault(name, []):
                found[name].append(stmt)

        for stmt in self.top:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(stmt.name, stmt)
                for sub in self.walk(stmt):  # `global name` anywhere inside binds it here
                    if isinstance(sub, ast.Global):
                        for name in sub.names:
                            bind(name, stmt)
                continue
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if alias.name != "*":
                        bind(alias.asname or alias.name.split(".")[0], stmt)
                continue
            for sub in _walk_header(stmt):
                if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                    bind(sub.id, stmt)
                elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                    bind(sub.name, stmt)
                elif isinstance(sub, ast.MatchMapping) and sub.rest:
                    bind(sub.rest, stmt)
                elif isinstance(sub, ast.ExceptHandler) and sub.name:
                    bind(sub.name, stmt)
        return found


def _walk_header(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of ``stmt`` without the statements nested in it (those are module-level
    statements of their own)."""
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        yield node
        for name, value in ast.iter_fields(node):
            if node is not stmt or name not in ("body", "orelse", "finalbody", "handlers",
                                                 "cases"):
                items = value if isinstance(value, list) else [value]
                todo.extend(v for v in items if isinstance(v, ast.AST))
            elif name in ("handlers", "cases"):
                for h in value:  # the handler's `as name` / the case's pattern, not its body
                    todo.extend(v for k, v in ast.iter_fields(h)
                                if k != "body" and isinstance(v, ast.AST))


def _doc_strings(nodes: list[ast.AST]) -> set[int]:
    """ids of string constants that are expression statements (docstrings and the like),
    among ``nodes`` (a walk of a tree)."""
    return {id(n.value) for n in nodes
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}


# ---------------------------------------------------------------- what names refer to

class _Origins:
    """Dotted paths a name or expression can refer to (``o`` -> ``torch.optim`` after
    ``import torch.optim as o``), from imports, aliases, importlib and ``__import__`` with
    constant names and constant ``getattr``. Every assignment to a name, in any scope,
    counts: an over-approximation, so an alias in one function is never missed."""

    def __init__(self, nodes: Iterable[ast.AST]) -> None:
        self.names: dict[str, set[str]] = {}
        assigns: list[tuple[str, ast.expr]] = []
        for node in nodes:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self._add(a.asname, a.name)
                    else:
                        top = a.name.split(".")[0]
                        self._add(top, top)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for a in node.names:
                    if a.name != "*":
                        self._add(a.asname or a.name, f"{node.module}.{a.name}")
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    assigns += _pairs(target, node.value)
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                assigns += _pairs(node.target, node.value)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                assigns += _pairs(node.optional_vars, node.context_expr)
        for _ in range(8):  # aliases of aliases, to a fixed point
            grew = False
            for name, value in assigns:
                for path in self.of(value):
                    grew |= self._add(name, path)
            if not grew:
                break

    def _add(self, name: str, path: str) -> bool:
        paths = self.names.setdefault(name, set())
        if path in paths or len(paths) > 32:
            return False
        paths.add(path)
        return True

    def of(self, node: ast.AST) -> set[str]:
        """The dotted paths ``node`` may refer to (empty when unknown)."""
        if isinstance(node, ast.Name):
            return set(self.names.get(node.id, ()))
        if isinstance(node, ast.Attribute):
            return {f"{p}.{node.attr}" for p in self.of(node.value)}
        if isinstance(node, ast.Call):
            imported = _imported_module(node, self)
            if imported is not None:
                return {imported}
            if isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) >= 2 and _const_str(node.args[1]) is not None:
                return {f"{p}.{_const_str(node.args[1])}" for p in self.of(node.args[0])}
        return set()


def _pairs(target: ast.AST, value: ast.AST) -> list[tuple[str, ast.expr]]:
    if isinstance(target, ast.Name) and isinstance(value, ast.expr):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        return [p for t, v in zip(target.elts, value.elts, strict=True) for p in _pairs(t, v)]
    return []


def _const_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _imported_module(call: ast.Call, origins: _Origins) -> str | None:
    """The module an ``importlib.import_module("a.b")`` or ``__import__("a.b", ...)`` call
    returns, when its name is a constant."""
    func = call.func
    if not call.args:
        return None
    name = _const_str(call.args[0])
    if name is None:
        return None
    if isinstance(func, ast.Name) and func.id == "__import__":
        fromlist = call.args[3] if len(call.args) > 3 else next(
            (k.value for k in call.keywords if k.arg == "fromlist"), None)
        empty = fromlist is None or (isinstance(fromlist, (ast.List, ast.Tuple))
                                     and not fromlist.elts) or \
            (isinstance(fromlist, ast.Constant) and not fromlist.value)
        return name.split(".")[0] if empty else name
    if "importlib.import_module" in origins.of(func) and not name.startswith("."):
        return name
    return None


# ---------------------------------------------------------------- dynamic access

def _dynamic_constructs(src: Source) -> list[tuple[str, Where]]:
    """Every construct the scan cannot follow, anywhere that runs (not under a
    ``__main__`` guard), in source order."""
    found: list[tuple[str, Where]] = []

    def flag(what: str, node: ast.AST) -> None:
        found.append((what, src.where(node)))

    for stmt in src.top:
        nodes = list(_walk_header(stmt)) \
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
            else src.walk(stmt)
        called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and stmt is node \
                    and node.name in ("__getattr__", "__dir__"):
                flag(f"a module-level `{node.name}`", node)
            if isinstance(node, ast.Call):
                _dynamic_call(node, src, flag)
            elif isinstance(node, ast.Name):
                if node.id in _DYNAMIC_BUILTINS and not (
                        node.id == "__import__" and id(node) in called):
                    flag(f"`{node.id}`", node)
                elif node.id in _ATTR_FUNCTIONS and id(node) not in called:
                    flag(f"`{node.id}` used as a value", node)
                elif node.id == "__name__" and not isinstance(node.ctx, ast.Load):
                    flag("an assignment to `__name__`", node)
            elif isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_ATTRS:
                flag(f"`{node.attr}`", node)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                _dynamic_import(node, flag)
            if isinstance(node, (ast.Name, ast.Attribute)):
                for path in src.origins.of(node):
                    hit = _dynamic_path(path)
                    if hit and not (path in _OK_IMPORTLIB and id(node) in called):
                        flag(f"`{hit}`", node)
                        break
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
                targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) \
                    else [node.target]
                for target in targets:
                    _patching(target, src, flag)
    unique: dict[tuple[str, Where], None] = dict.fromkeys(found)
    return sorted(unique, key=lambda f: (f[1].cell or "", f[1].line))


def _dynamic_call(node: ast.Call, src: Source, flag: Flag) -> None:
    func = node.func
    if isinstance(func, ast.Name) and func.id in _ATTR_FUNCTIONS:
        if len(node.args) < 2 or _const_str(node.args[1]) is None:
            flag(f"`{func.id}` with a computed name", node)
        elif func.id in ("setattr", "delattr"):
            _patching(ast.Attribute(value=node.args[0], attr=_const_str(node.args[1]) or "",
                                    ctx=ast.Store(), lineno=node.lineno), src, flag)
    if isinstance(func, ast.Name) and func.id == "__import__" and (
            not node.args or _const_str(node.args[0]) is None):
        flag("`__import__` with a computed name", node)
    paths = src.origins.of(func)
    if "importlib.import_module" in paths and (not node.args or _const_str(node.args[0]) is None
                                               or node.args[0].value.startswith(".")):
        flag("`importlib.import_module` with a computed name", node)
    for path in paths:
        if path.startswith("importlib.") and path not in _OK_IMPORTLIB:
            flag(f"`{path}`", node)
            break
    imported = _imported_module(node, src.origins)
    if imported is not None:
        hit = _dynamic_path(imported)
        if hit:
            flag(f"`{hit}`", node)


def _dynamic_import(node: ast.Import | ast.ImportFrom, flag: Flag) -> None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            flag("a relative import", node)
            return
        base = node.module or ""
        for a in node.names:
            path = base if a.name == "*" else f"{base}.{a.name}"
            hit = _dynamic_path(path)
            if hit:
                flag(f"`{hit}`", node)
                return
        return
    for a in node.names:
        hit = _dynamic_path(a.name)
        if hit:
            flag(f"`{hit}`", node)
            return


def _dynamic_path(path: str) -> str | None:
    """The part of a dotted path that cannot be followed, if any."""
    parts = path.split(".")
    if parts[0] in _DYNAMIC_MODULES:
        return parts[0]
    if parts[0] == "importlib" and len(parts) > 1 and path not in _OK_IMPORTLIB:
        return path
    for i in range(2, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in _DYNAMIC_PATHS:
            return prefix
    return None


def _root(target: ast.AST) -> ast.AST:
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return target


def _patching(target: ast.AST, src: Source, flag: Flag) -> None:
    """An assignment into something imported, or into a class reached through ``type()`` or
    ``__class__``: a library patched at run time (``torch.Tensor.__matmul__ = ...``)."""
    if isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
        for sub in getattr(target, "elts", [getattr(target, "value", None)]):
            if sub is not None:
                _patching(sub, src, flag)
        return
    if not isinstance(target, (ast.Attribute, ast.Subscript)):
        return
    node: ast.AST = target
    chain: list[str] = []
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            if node.attr == "__class__":
                flag("an assignment through `__class__`", target)
                return
            chain.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type":
        flag("an assignment to an attribute of `type(...)`", target)
        return
    if not isinstance(node, ast.Name):
        return
    # torch's switches (torch.backends.cudnn.deterministic = True) are settings, not code
    imported = sorted(p for p in src.origins.of(node)
                      if not ".".join([p, *chain]).startswith("torch.backends."))
    if imported:
        flag(f"an assignment to `{ast.unparse(target)[:60]}` (patching `{imported[0]}`)",
             target)


# ---------------------------------------------------------------- autograd

def _autograd_origin(path: str) -> str | None:
    parts = path.split(".")
    for part in parts:
        if "autograd" in part or "set_grad_enabled" in part:
            return part
    if parts[0] == "functorch":
        return "functorch"
    if len(parts) > 1 and parts[0] == "torch" and parts[1] == "func":
        return "torch.func"
    if parts[-1] in _AUTOGRAD_ATTRS:
        return parts[-1]
    return None


def _autograd_in(node: ast.AST, src: Source, bound_name: str | None) -> tuple[str, ast.AST] | None:
    """(word, node) of the first use of autograd in ``node``; for an import statement, only
    in the part of it that binds ``bound_name``."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _import_hit(node, bound_name, _autograd_origin)
    nodes = src.walk(node)
    docs = _doc_strings(nodes)
    for sub in nodes:
        if isinstance(sub, ast.Attribute) and (sub.attr in _AUTOGRAD_ATTRS
                                               or "autograd" in sub.attr
                                               or "set_grad_enabled" in sub.attr):
            return sub.attr, sub
        if isinstance(sub, ast.Attribute) and sub.attr == "func" and \
                isinstance(sub.value, ast.Name) and sub.value.id == "torch":
            return "torch.func", sub
        if isinstance(sub, ast.Name) and sub.id in _AUTOGRAD_NAMES:
            return sub.id, sub
        if isinstance(sub, ast.keyword) and sub.arg == "requires_grad":
            return "requires_grad", sub.value
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) \
                and id(sub) not in docs and sub.value in _AUTOGRAD_STRINGS:
            return f'"{sub.value}"', sub
        if isinstance(sub, ast.MatchClass):
            for attr in sub.kwd_attrs:
                if attr in _AUTOGRAD_ATTRS or "autograd" in attr:
                    return attr, sub
        if isinstance(sub, (ast.Import, ast.ImportFrom)):
            hit = _autograd_in(sub, src, None)
            if hit:
                return hit
        if isinstance(sub, (ast.Name, ast.Attribute, ast.Call)):
            for path in src.module_origins.of(sub):
                word = _autograd_origin(path)
                if word:
                    return word, sub
    return None


def _free_names(node: ast.AST, src: Source) -> set[str]:
    """Names ``node`` reads but does not bind itself (parameters and local assignments of a
    function are its own), roughly: enough to find the module-level names it uses."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return set()
    loads, local = set(), set()
    for sub in src.walk(node):
        if isinstance(sub, ast.Name):
            (loads if isinstance(sub.ctx, ast.Load) else local).add(sub.id)
        elif isinstance(sub, ast.arg):
            local.add(sub.arg)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return loads - local
    return loads  # a module-level statement's names are all module-level


def _mutations(src: Source) -> dict[str, list[tuple[ast.stmt, bool]]]:
    """Module-level name -> the module-level statements that change the object it holds,
    each with whether only by calling one of ``_MUTATORS`` on it (not by assigning an
    attribute or item): one walk of the source, kept on it."""
    if src.mutations is not None:
        return src.mutations
    index: dict[str, list[tuple[ast.stmt, bool]]] = {}
    for stmt in src.top:
        found: dict[str, bool] = {}
        for sub in src.walk(stmt):
            targets: list[ast.AST] = []
            if isinstance(sub, (ast.Assign, ast.Delete)):
                targets = list(sub.targets)
            elif isinstance(sub, (ast.AugAssign, ast.AnnAssign)):
                targets = [sub.target]
            for t in targets:
                root = _root(t)
                if isinstance(t, (ast.Attribute, ast.Subscript)) and isinstance(root, ast.Name):
                    found[root.id] = False
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                    and sub.func.attr in _MUTATORS:
                root = _root(sub.func.value)
                if isinstance(root, ast.Name):
                    found.setdefault(root.id, True)
        for name, by_call in found.items():
            index.setdefault(name, []).append((stmt, by_call))
    src.mutations = index
    return index


def _mutation_sites(src: Source, name: str, value_bound: bool) -> Iterator[ast.stmt]:
    """Module-level statements that change the object a module-level ``name`` holds: an
    attribute or item assigned on it anywhere, or (for a name bound by an assignment, a
    container) one of ``_MUTATORS`` called on it."""
    for stmt, by_call in _mutations(src).get(name, []):
        if value_bound or not by_call:
            yield stmt


def _reached(src: Source, name: str) -> Iterator[tuple[str, ast.AST]]:
    """(how it was reached, statement) for everything ``name`` may run: its bindings, the
    module-level names they read (and theirs), and whatever changes those objects."""
    todo: list[tuple[str, ast.AST]] = []
    seen: set[int] = set()
    followed: set[str] = set()

    def follow(free: str, via: str) -> None:
        followed.add(free)
        bound = src.bindings.get(free, [])
        todo.extend((via, b) for b in bound)
        if bound and not all(isinstance(b, (ast.Import, ast.ImportFrom)) for b in bound):
            value_bound = any(not isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.ClassDef, ast.Import, ast.ImportFrom))
                              for b in bound)
            for site in _mutation_sites(src, free, value_bound):
                own = getattr(site, "name", None)
                todo.append((f"`{own}`, which changes `{free}`" if own else
                             f"a statement that changes `{free}`", site))

    follow(name, "")
    while todo:
        via, node = todo.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield via, node
        for free in sorted(_free_names(node, src)):
            if free not in followed:
                follow(free, f"`{free}`")


def _import_hit(node: ast.Import | ast.ImportFrom, bound_name: str | None,
                origin: Callable[[str], str | None]) -> tuple[str, ast.AST] | None:
    """(word, node) where what an import statement binds (only the part that binds
    ``bound_name``, when given) is a path ``origin`` names a word for."""
    for alias in node.names:
        if alias.name == "*":
            continue
        if bound_name is not None and (alias.asname or alias.name.split(".")[0]) != bound_name:
            continue
        if isinstance(node, ast.ImportFrom):
            path = f"{node.module or ''}.{alias.name}"
        elif alias.asname is None:
            continue  # `import torch.autograd` binds `torch`, used for everything
        else:
            path = alias.name
        hit = origin(path)
        if hit:
            return hit, node
    return None


def _first_reached(src: Source, name: str,
                   find: Callable[[ast.AST, str | None], tuple[str, ast.AST] | None],
                   ) -> tuple[str, str, ast.AST] | None:
    """(how it was reached, word, node) of the first hit of ``find(node, bound_name)`` in
    what ``name`` runs (``_reached``)."""
    for via, node in _reached(src, name):
        bound = via.strip("`") if isinstance(node, (ast.Import, ast.ImportFrom)) else None
        found = find(node, bound or name)
        if found:
            return via, *found
    return None


def uses_autograd(sources: list[str], name: str, labels: list[str] | None = None) -> str | None:
    """A message if what ``name`` runs uses autograd, else None.

    Every binding of ``name`` is read (a ``def``, ``name = other``, an import under that
    name, ...), with the module-level helpers and names it uses, and theirs in turn: a
    ``requires_grad_`` in a helper, or ``grad`` imported from ``torch.autograd`` (or
    ``torch.func``) under another name, is autograd all the same."""
    return _uses_autograd(Source(sources, labels), name)


def _uses_autograd(src: Source, name: str) -> str | None:
    if not src.bindings.get(name):
        return None
    hit = _first_reached(src, name, lambda node, bound: _autograd_in(node, src, bound))
    if hit is None:
        return None
    via, word, at = hit
    where = "" if not via else f", in {via}, which it uses"
    return (f"`{name}` uses autograd (`{word.strip(chr(34))}` on {src.where(at)}"
            f"{where}); this exercise asks for the gradient by hand")


# ---------------------------------------------------------------- forbidden torch names

def _forbidden_path(path: str, forbidden: frozenset[str]) -> str | None:
    parts = path.split(".")
    return parts[-1] if parts[0] == "torch" and parts[-1] in forbidden else None


def _own(base: ast.AST, src: Source) -> bool:
    """``base`` is the submission's own object (``self``, ``cls``, or one of its module-level
    functions or classes): a method of it with a forbidden name is its own."""
    if not isinstance(base, ast.Name):
        return False
    if base.id in ("self", "cls"):
        return True
    bound = src.bindings.get(base.id, [])
    return bool(bound) and all(isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef,
                                              ast.ClassDef)) or _own_instance(b, src)
                               for b in bound)


def _own_instance(stmt: ast.stmt, src: Source) -> bool:
    """``name = Model(...)`` with ``Model`` one of the submission's classes."""
    if not (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)):
        return False
    made = src.bindings.get(stmt.value.func.id, [])
    return bool(made) and all(isinstance(b, ast.ClassDef) for b in made)


def _star_from_torch(src: Source) -> bool:
    return any(isinstance(s, ast.ImportFrom) and (s.module or "").startswith("torch")
               and any(a.name == "*" for a in s.names) for s in src.top)


def _forbidden_in(node: ast.AST, src: Source, forbidden: frozenset[str],
                  bound_name: str | None) -> tuple[str, ast.AST] | None:
    """(name, node) of the first use of a forbidden torch name in ``node``; for an import
    statement, only in the part of it that binds ``bound_name``."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return _import_hit(node, bound_name, lambda path: _forbidden_path(path, forbidden))
    star = None
    for sub in src.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in forbidden and not _own(sub.value, src):
            return sub.attr, sub  # torch.softmax, F.softmax, x.softmax(...), nn.DataLoader
        if isinstance(sub, (ast.Import, ast.ImportFrom)):
            hit = _forbidden_in(sub, src, forbidden, None)
            if hit:
                return hit
        if isinstance(sub, (ast.Name, ast.Call)):
            for path in src.module_origins.of(sub) | src.origins.of(sub):
                word = _forbidden_path(path, forbidden)
                if word:
                    return word, sub
        if isinstance(sub, ast.Name) and sub.id in forbidden and not src.bindings.get(sub.id):
            star = _star_from_torch(src) if star is None else star
            if star:  # `from torch.nn.functional import *`, then `softmax(x)`
                return sub.id, sub
    return None


def uses_forbidden(sources: list[str], name: str, forbidden: Iterable[str],
                   labels: list[str] | None = None) -> str | None:
    """A message if what ``name`` runs uses one of torch's ``forbidden`` names (a function,
    class or tensor method the exercise asks the student to write themselves), else None.
    What ``name`` runs is followed as for autograd (``_reached``)."""
    return _uses_forbidden(Source(sources, labels), name, frozenset(forbidden))


def _uses_forbidden(src: Source, name: str, forbidden: frozenset[str]) -> str | None:
    if not forbidden or not src.bindings.get(name):
        return None
    hit = _first_reached(src, name,
                         lambda node, bound: _forbidden_in(node, src, forbidden, bound))
    if hit is None:
        return None
    via, word, at = hit
    where = "" if not via else f", in {via}, which it uses"
    return (f"`{name}` uses torch's `{word}` ({src.where(at)}{where}); this exercise "
            "asks you to write it yourself")


# ---------------------------------------------------------------- torch.optim

def _banned_optim(path: str) -> str | None:
    parts = path.split(".")
    if parts[:2] != ["torch", "optim"]:
        return None
    hit = [p for p in parts[2:] if p in _BANNED_OPTIM]
    return hit[0] if hit else None


def uses_builtin_optimizer(sources: list[str], labels: list[str] | None = None) -> str | None:
    """A message if the code refers to one of torch.optim's algorithms (not ``Optimizer``)
    under any name: ``torch.optim.Adam``, ``optim.Adam``, ``import torch.optim as o;
    o.Adam``, ``importlib.import_module("torch.optim").Adam``, ``torch.optim.adam.adam``."""
    return _uses_builtin_optimizer(Source(sources, labels))


def _uses_builtin_optimizer(src: Source) -> str | None:
    hits: list[tuple[Where, str]] = []
    for stmt in src.top:
        for sub in src.walk(stmt):
            names: list[str] = []
            if isinstance(sub, ast.ImportFrom) and sub.level == 0 and sub.module:
                names = [sub.module if a.name == "*" else f"{sub.module}.{a.name}"
                         for a in sub.names]
                if any(a.name == "*" for a in sub.names) and sub.module.startswith("torch.optim"):
                    hits.append((src.where(sub), "*"))
            elif isinstance(sub, ast.Import):
                names = [a.name for a in sub.names]
            elif isinstance(sub, (ast.Name, ast.Attribute, ast.Call)):
                names = sorted(src.origins.of(sub))
            for path in names:
                banned = _banned_optim(path)
                if banned:
                    hits.append((src.where(sub), banned))
                    break
            # `optim.Adam` with `optim` of unknown origin: still torch's, in this lesson
            if isinstance(sub, ast.Attribute) and sub.attr in _BANNED_OPTIM:
                base = sub.value
                if isinstance(base, ast.Attribute) and base.attr == "optim" or \
                        isinstance(base, ast.Name) and base.id == "optim":
                    hits.append((src.where(sub), sub.attr))
    if not hits:
        return None
    where, banned = min(hits, key=lambda h: (h[0].cell or "", h[0].line))
    what = "imports everything from torch.optim" if banned == "*" else f"uses optim.{banned}"
    return f"{where} {what}: write the algorithm yourself (only torch.optim.Optimizer is allowed)"


# ---------------------------------------------------------------- per probe

def check_rules(probes: Iterable[Probe], sources: list[str],
                labels: list[str] | None = None) -> RuleFindings:
    """The rule violations of a submission, per probe with a rule-bound step, and what a
    person should review."""
    probes = list(probes)
    bound = [p for p in probes if any(s.no_autograd or s.no_builtin_optimizers or s.forbid
                                      for s in p.steps)]
    findings = RuleFindings()
    if not bound:
        return findings
    src = Source(sources, labels)
    dynamic = _dynamic_constructs(src)
    rules = sorted({r for p in bound for s in p.steps for r in (
        ["no autograd"] if s.no_autograd else []) + (
        ["no torch.optim algorithms"] if s.no_builtin_optimizers else []) + (
        [f"not torch's {', '.join(s.forbid)}"] if s.forbid else [])})
    if dynamic:
        first, where = dynamic[0]
        more = f" (and {len(dynamic) - 1} more)" if len(dynamic) > 1 else ""
        msg = (f"{where} uses {first}{more}: code reached that way cannot be checked for "
               f"this exercise's rule ({', '.join(rules)}); write it out plainly. Flagged for "
               "review")
        for p in bound:
            findings.violations[p.id] = msg
        findings.review += [f"{w}: {what} (dynamic access the rule check cannot follow)"
                            for what, w in dynamic[:20]]
        return findings
    optim_msg: str | None = None
    optim_checked = False
    for probe in bound:
        for step in probe.steps:
            if step.no_autograd and step.call:
                if not src.bindings.get(step.call):
                    # it ran (or the check fails anyway): made where the scan cannot see it
                    msg = (f"`{step.call}` is not defined in the source where the grader can "
                           "read it (a `def` or an assignment at module level)")
                    findings.unbound.setdefault(probe.id, msg)
                    continue
                msg = _uses_autograd(src, step.call)
                if msg:
                    findings.violations.setdefault(probe.id, msg)
            if step.forbid and step.call:
                if not src.bindings.get(step.call):
                    findings.unbound.setdefault(probe.id, (
                        f"`{step.call}` is not defined in the source where the grader can "
                        "read it (a `def` or an assignment at module level)"))
                else:
                    msg = _uses_forbidden(src, step.call, frozenset(step.forbid))
                    if msg:
                        findings.violations.setdefault(probe.id, msg)
            if step.no_builtin_optimizers:
                if not optim_checked:
                    optim_msg, optim_checked = _uses_builtin_optimizer(src), True
                if optim_msg:
                    findings.violations.setdefault(probe.id, optim_msg)
    return findings


def rule_violations(probes: list[Probe], sources: list[str]) -> dict[str, str]:
    """probe id -> a rule violation found in the source, for probes with guarded steps."""
    return check_rules(probes, sources).violations

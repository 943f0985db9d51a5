"""The rule scan follows what a rule-bound function runs however it is spelled, and fails
loudly (naming the construct and line, flagged for review) on what it cannot follow.

Each snippet is a whole submission, parsed on the trusted side and never run. Lesson 1.2's
probes bind ``mse_grad`` (no autograd); lesson 3.1's bind every optimizer (no torch.optim
algorithms).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.course.lessons import _module_from_source, get_lesson
from grader.grading.rules import check_rules, uses_forbidden
from tests.conftest import ROOT
from tests.unit.test_evaluate_stage import grade_in_process

P12 = get_lesson("1.2").spec.probes
P31 = get_lesson("3.1").spec.probes
T = "import torch\n"

# (snippet, a word the message must contain): autograd reached without a `def mse_grad`
# that says so, or through names that do not say "autograd" where it is used
HIDDEN_AUTOGRAD = {
    "bound_by_assignment": (
        T + "def _impl(X, y, w, b):\n    w = w.clone()\n    w.requires_grad_(True)\n"
        "    return w, b\nmse_grad = _impl\n", "in `_impl`"),
    "kept_from_import_time": (T + "_G = torch.autograd.grad\ndef mse_grad(X, y, w, b):\n"
                              "    return _G(X, w)\n", "autograd"),
    "import_as": ("import torch.autograd as A\ndef mse_grad(X, y, w, b):\n"
                  "    return A.grad(X, w)\n", "autograd"),
    "importlib_constant": ("import importlib\nA = importlib.import_module('torch.autograd')\n"
                           "def mse_grad(X, y, w, b):\n    return A.grad(X, w)\n", "autograd"),
    "dunder_import_constant": ("A = __import__('torch.autograd', fromlist=['grad'])\n"
                               "def mse_grad(X, y, w, b):\n    return A.grad(X, w)\n",
                               "autograd"),
    "global_in_an_installer": (T + "def _install():\n    global mse_grad\n"
                               "    def mse_grad(X, y, w, b):\n"
                               "        return w.requires_grad_()\n_install()\n",
                               "requires_grad_"),
    "loop_target": (T + "def _i(X, y, w, b):\n    return torch.autograd.grad(X, w)\n"
                    "for mse_grad in [_i]:\n    pass\n", "autograd"),
    "walrus": (T + "if (mse_grad := (lambda X, y, w, b: torch.autograd.grad(X, w))):\n"
               "    pass\n", "autograd"),
    "not_main_guard": (T + "if __name__ != '__main__':\n    def mse_grad(X, y, w, b):\n"
                       "        return torch.autograd.grad(X, w)\n", "autograd"),
    "stashed_in_a_module_dict": (
        T + "_C = {}\ndef predict(X, w, b):\n"
        "    _C['f'] = lambda a, b: torch.autograd.grad(a, b)\n    return X @ w + b\n"
        "def mse_grad(X, y, w, b):\n    return _C['f'](X, w)\n", "which changes `_C`"),
    "stashed_on_the_function": (
        T + "def mse_grad(X, y, w, b):\n    return mse_grad.impl(X, w)\n"
        "def predict(X, w, b):\n    mse_grad.impl = lambda a, b: torch.autograd.grad(a, b)\n"
        "    return X @ w + b\n", "which changes `mse_grad`"),
    "constant_getattr": (T + "def mse_grad(X, y, w, b):\n    return getattr(w, 'backward')()\n",
                         "backward"),
    "enable_grad_by_constant_name": (T + "def mse_grad(X, y, w, b):\n"
                                     "    with getattr(torch, 'enable_grad')():\n"
                                     "        return X\n", "enable_grad"),
    "torch_func": (T + "def mse_grad(X, y, w, b):\n"
                   "    return torch.func.grad(lambda v: v.sum())(w)\n", "torch.func"),
    "match_class_pattern": (T + "def mse_grad(X, y, w, b):\n    match torch:\n"
                            "        case object(autograd=ag):\n"
                            "            return ag.grad(X, w)\n", "autograd"),
}

# (snippet, the construct the message names): dynamic access the scan cannot follow
DYNAMIC = {
    "getattr_built_name": (T + "def mse_grad(X, y, w, b):\n"
                           "    return getattr(torch, 'auto' + 'grad')\n", "`getattr` with a"),
    "setattr_built_name": (T + "def mse_grad(X, y, w, b):\n"
                           "    setattr(w, 'requires_' + 'grad', True)\n    return w\n",
                           "`setattr` with a"),
    "hasattr_built_name": (T + "def mse_grad(X, y, w, b):\n"
                           "    return hasattr(torch, 'a' + 'b')\n", "`hasattr` with a"),
    "globals_lookup": (T + "def mse_grad(X, y, w, b):\n"
                       "    return globals()['_h' + 'elper'](X)\n", "`globals`"),
    "vars": (T + "def mse_grad(X, y, w, b):\n    return vars(torch)['x']\n", "`vars`"),
    "locals": (T + "def mse_grad(X, y, w, b):\n    return locals()\n", "`locals`"),
    "module_dict": (T + "def mse_grad(X, y, w, b):\n    return torch.__dict__['x']\n",
                    "`__dict__`"),
    "builtins": ("def mse_grad(X, y, w, b):\n    return __builtins__\n", "`__builtins__`"),
    "exec": ("def mse_grad(X, y, w, b):\n    exec('r = 1')\n    return 1\n", "`exec`"),
    "eval": ("def mse_grad(X, y, w, b):\n    return eval('1')\n", "`eval`"),
    "compile": ("def mse_grad(X, y, w, b):\n    return compile('1', 'f', 'eval')\n",
                "`compile`"),
    "ctypes": ("import ctypes\ndef mse_grad(X, y, w, b):\n    return 1\n", "`ctypes`"),
    "sys_modules": ("import sys\ndef mse_grad(X, y, w, b):\n"
                    "    return sys.modules['torch'].autograd\n", "`sys.modules`"),
    "importlib_computed": ("import importlib\nA = importlib.import_module('torch.' + 'x')\n"
                           "def mse_grad(X, y, w, b):\n    return 1\n",
                           "`importlib.import_module`"),
    "dunder_import_computed": ("A = __import__('torch.' + 'x')\n"
                               "def mse_grad(X, y, w, b):\n    return 1\n", "`__import__`"),
    "getattr_as_a_value": ("import functools, torch\ndef mse_grad(X, y, w, b):\n"
                           "    return functools.reduce(getattr, ['x'], torch)\n",
                           "`getattr` used as a value"),
    "attrgetter": ("import operator, torch\ndef mse_grad(X, y, w, b):\n"
                   "    return operator.attrgetter('x')(torch)\n", "`operator.attrgetter`"),
    "frames": ("def mse_grad(X, y, w, b):\n    try:\n        raise ValueError\n"
               "    except ValueError as e:\n        return e.__traceback__\n",
               "`__traceback__`"),
    "function_globals": ("def mse_grad(X, y, w, b):\n    return mse_grad.__globals__\n",
                         "`__globals__`"),
    "builtin_self": ("def mse_grad(X, y, w, b):\n    return print.__self__\n", "`__self__`"),
    "module_getattr": (T + "def __getattr__(name):\n    return None\n",
                       "a module-level `__getattr__`"),
    "patched_tensor_method": (T + "def _mm(a, b):\n    return a\n"
                              "torch.Tensor.__matmul__ = _mm\n"
                              "def mse_grad(X, y, w, b):\n    return X @ w\n",
                              "patching `torch`"),
    "patched_through_a_local_alias": (
        T + "def predict(X, w, b):\n    t = torch.Tensor\n    t.mm = lambda a, b: a\n"
        "    return X @ w + b\ndef mse_grad(X, y, w, b):\n    return 1\n",
        "patching `torch.Tensor`"),
    "patched_through_type": (T + "def predict(X, w, b):\n    type(X).foo = 1\n"
                             "    return X @ w + b\ndef mse_grad(X, y, w, b):\n    return 1\n",
                             "`type(...)`"),
    "own_module_by_import": (T + "import linear_regression as me\n"
                             "def _h(X, y, w, b):\n    return X\nme.mse_grad = _h\n",
                             "patching `linear_regression`"),
    "the_grader_harness": ("from harness import guards\ndef mse_grad(X, y, w, b):\n"
                           "    return 1\n", "`harness`"),
    "another_process": ("import subprocess\ndef mse_grad(X, y, w, b):\n    return 1\n",
                        "`subprocess`"),
    "os_system": ("import os\ndef mse_grad(X, y, w, b):\n    os.system('true')\n    return 1\n",
                  "`os.system`"),
    "unpickling": ("import pickle\ndef mse_grad(X, y, w, b):\n    return pickle.loads(b'')\n",
                   "`pickle`"),
    "torch_load": (T + "def mse_grad(X, y, w, b):\n    return torch.load('f')\n", "`torch.load`"),
    "name_reassigned": (T + "__name__ = '__main__'\ndef mse_grad(X, y, w, b):\n    return 1\n",
                        "`__name__`"),
}


def _message(probes, source: str, probe: str) -> str:  # type: ignore[no-untyped-def]
    return check_rules(probes, [source]).violations.get(probe, "")


@pytest.mark.parametrize("name", sorted(HIDDEN_AUTOGRAD))
def test_autograd_is_found_however_it_is_reached(name: str) -> None:
    source, word = HIDDEN_AUTOGRAD[name]
    message = _message(P12, source, "grad")
    assert "uses autograd" in message and word in message, message


@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_dynamic_access_fails_the_rule_and_is_flagged_for_review(name: str) -> None:
    source, construct = DYNAMIC[name]
    findings = check_rules(P12, [source])
    message = findings.violations.get("grad", "")
    assert construct in message and "line " in message and "review" in message, message
    # every rule-bound probe of the lesson fails alike; the others are not touched
    assert set(findings.violations) == {"grad", "fit"}
    assert findings.review and construct.strip("`") in findings.review[0]


def test_dynamic_access_in_a_lesson_without_rules_is_not_a_concern() -> None:
    probes = get_lesson("1.5").spec.probes
    assert check_rules(probes, ["import pickle\nx = getattr(object, 'a' + 'b')\n"]).violations \
        == {}


def test_a_notebook_cell_is_named_in_the_message() -> None:
    cells = ["import torch\n", "def mse_grad(X, y, w, b):\n    return vars(torch)\n"]
    message = check_rules(P12, cells, ["cell 1", "cell 2"]).violations["grad"]
    assert message.startswith("cell 2, line 2 uses `vars`")


def test_a_main_block_never_runs_and_is_not_read() -> None:
    source = (FUNCTIONS + "if __name__ == '__main__':\n    print(vars(torch))\n"
              "    mse_grad = lambda *a: torch.autograd.grad(*a)\n")
    assert check_rules(P12, [source]).violations == {}


FUNCTIONS = ("import torch\ndef mse_grad(X, y, w, b):\n    r = X @ w + b - y\n"
             "    return 2 * X.T @ r / len(y), 2 * r.mean()\n"
             "def fit(X, y, lr, steps):\n    return X, y, []\n")
ORDINARY = {
    "constant_getattr": "w = getattr(model, 'weight')\nok = hasattr(p, 'grad')\n",
    "class_name": "name = model.__class__.__name__\nkind = type(x).__name__\n",
    "own_function_called_backward": "def backward(a):\n    return a\nz = backward(1)\n",
    "torch_backends": "import torch\ntorch.backends.cudnn.deterministic = True\n",
    "functools_reduce": "import functools, operator\nn = functools.reduce(operator.mul, [2, 3])\n",
    "is_grad_enabled": "import torch\nflag = torch.is_grad_enabled()\n",
    "no_grad": "import torch\nwith torch.no_grad():\n    pass\n",
    "attributes_of_own_objects": ("class A:\n    pass\na = A()\na.x = 1\nstate = {}\n"
                                  "state['k'] = 2\n"),
}


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_ordinary_code_is_not_flagged(name: str) -> None:
    source = ORDINARY[name] + FUNCTIONS
    findings = check_rules(P12, [source])
    assert findings.violations == {} and findings.review == [], findings


OPTIMIZERS = {
    "import_as": "import torch.optim as _o\nclass Adam(_o.Adam):\n    pass\n",
    "from_import_as": "from torch import optim as _o\nclass Adam(_o.Adam):\n    pass\n",
    "importlib": ("import importlib\n_o = importlib.import_module('torch.optim')\n"
                  "class Adam(_o.Adam):\n    pass\n"),
    "dunder_import": ("_o = __import__('torch.optim', fromlist=['Adam'])\n"
                      "class Adam(_o.Adam):\n    pass\n"),
    "dunder_import_top_level": ("_t = __import__('torch.optim')\n"
                                "class Adam(_t.optim.Adam):\n    pass\n"),
    "functional_module": "import torch.optim.adam as F\n",
    "functional_function": "from torch.optim.adam import adam as f\n",
    "constant_getattr": "import torch\nA = getattr(torch.optim, 'Adam')\n",
    "alias_chain": "import torch\no = torch\np = o.optim\nq = p\nclass Adam(q.Adam):\n    pass\n",
    "star_import": "from torch.optim import *\n",
    "local_alias": ("import torch\nclass Adam(torch.optim.Optimizer):\n"
                    "    def step(self):\n        o = torch.optim\n        return o.Adam\n"),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_torch_optim_algorithms_are_found_under_any_name(name: str) -> None:
    findings = check_rules(P31, [OPTIMIZERS[name]])
    assert set(findings.violations) == {p.id for p in P31}
    assert "write the algorithm yourself" in findings.violations["adam"]


def test_watchers_undone_during_a_step_are_flagged() -> None:
    source = ("import torch\nimport torch.optim as _o\n_saved = dict(vars(_o.adam))\n"
              "class Adam(torch.optim.Optimizer):\n    def step(self, closure=None):\n"
              "        _o.adam.adam = _saved['adam']\n")
    message = check_rules(P31, [source]).violations["adam"]
    assert "review" in message


def test_the_optimizer_base_class_is_allowed() -> None:
    for source in ("import torch\nclass Adam(torch.optim.Optimizer):\n    pass\n",
                   "from torch.optim import Optimizer\nclass Adam(Optimizer):\n    pass\n",
                   "from torch.optim.optimizer import Optimizer as Base\nclass Adam(Base):\n"
                   "    pass\n"):
        assert check_rules(P31, [source]).violations == {}


def test_a_function_the_source_never_binds_is_a_violation_only_if_it_ran() -> None:
    findings = check_rules(P12, [T + "def fit(X, y, lr, steps):\n    return X, y, []\n"])
    assert findings.violations == {}
    assert "`mse_grad` is not defined in the source" in findings.unbound["grad"]


# ---------------------------------------------------------------- forbidden torch names

SOFTMAX_RULE = ["softmax", "log_softmax", "logsumexp", "cross_entropy", "CrossEntropyLoss"]
FORBIDDEN_SPELLINGS = {
    "attribute": T + "def softmax(x):\n    return torch.softmax(x, 1)\n",
    "module_alias": "import torch.nn.functional as F\ndef softmax(x):\n"
                    "    return F.softmax(x, 1)\n",
    "tensor_method": "def softmax(x):\n    return x.softmax(1)\n",
    "import_as": "from torch.nn.functional import softmax as sm\ndef softmax(x):\n"
                 "    return sm(x, 1)\n",
    "in_a_helper": T + "def _h(x):\n    return torch.log_softmax(x, 1)\ndef softmax(x):\n"
                   "    return _h(x).exp()\n",
    "star_import": "from torch.nn.functional import *\ndef softmax(x):\n"
                   "    return log_softmax(x, 1).exp()\n",
    "constant_getattr": T + "def softmax(x):\n    return getattr(torch, 'softmax')(x, 1)\n",
    "class_instance": T + "def softmax(x):\n    return torch.nn.Softmax(1)(x)\n",
}


@pytest.mark.parametrize("name", sorted(FORBIDDEN_SPELLINGS))
def test_a_forbidden_torch_name_is_found_however_it_is_spelled(name: str) -> None:
    message = uses_forbidden([FORBIDDEN_SPELLINGS[name]], "softmax", SOFTMAX_RULE + ["Softmax"])
    assert message is not None and "write it yourself" in message


@pytest.mark.parametrize("source", [
    T + "def softmax(x):\n    e = (x - x.max(1, keepdim=True).values).exp()\n"
        "    return e / e.sum(1, keepdim=True)\n",
    # a check of one's own work, never run when graded
    T + "def softmax(x):\n    e = x.exp()\n    return e / e.sum(1, keepdim=True)\n"
        "if __name__ == '__main__':\n    print(torch.softmax(torch.ones(2, 2), 1))\n",
    # the submission's own methods of that name
    "class M:\n    def softmax(self, x):\n        return x.exp()\n_m = M()\n"
    "def softmax(x):\n    return _m.softmax(x)\n",
    # used elsewhere in the file, not by the rule-bound function
    T + "def softmax(x):\n    return x.exp() / x.exp().sum(1, keepdim=True)\n"
        "def compare(x):\n    return torch.softmax(x, 1)\n",
], ids=["own", "main_guard", "own_method", "elsewhere"])
def test_what_the_function_does_not_run_is_not_a_concern(source: str) -> None:
    assert uses_forbidden([source], "softmax", SOFTMAX_RULE) is None


BREAKERS = sorted((ROOT / "tests" / "rule_breakers").glob("*/*.py"))


@pytest.mark.parametrize("path", BREAKERS, ids=[f"{p.parent.name}:{p.stem}" for p in BREAKERS])
def test_a_rule_breaker_loses_exactly_the_checks_of_its_rule(path: Path) -> None:
    """Right values, a forbidden torch function: exactly the checks the rule binds fail,
    each saying so; the others pass."""
    lesson = get_lesson(path.parent.name)
    source = lesson.reference_source() + "\n\n" + path.read_text()
    loses = set(ast.literal_eval(next(
        n.value for n in ast.parse(path.read_text()).body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "LOSES")))
    module = _module_from_source(source, f"breaker_{lesson.id}_{path.stem}", str(path))
    results = grade_in_process(lesson, module, source)
    failed = {r.name: r for r in results if r.status != "passed"}
    assert set(failed) == loses
    assert all("write it yourself" in (r.message or "") for r in failed.values())

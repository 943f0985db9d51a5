"""Source-level rule checks (parse only, never run)."""

from __future__ import annotations

from grader.grading.rules import uses_autograd, uses_builtin_optimizer


def test_autograd_in_the_guarded_function_is_found():
    src = "def g(x):\n    x.requires_grad_()\n    (x**2).sum().backward()\n    return x.grad\n"
    assert "backward" in uses_autograd([src], "g") or "requires_grad" in uses_autograd([src], "g")
    assert uses_autograd([src], "other") is None
    assert uses_autograd(["def g(x):\n    return 2 * x\n"], "g") is None


def test_a_students_own_function_named_backward_is_not_autograd():
    src = "def backward(p, c, y):\n    return {}\ndef train(X):\n    return backward(1, 2, 3)\n"
    assert uses_autograd([src], "train") is None
    assert uses_autograd(["from torch import autograd\ndef f(x):\n    return autograd.grad(x, x)"],
                         "f")


def test_autograd_in_a_helper_or_under_another_name_is_found():
    helper = ("def _leaf(t):\n    return t.detach().requires_grad_()\n"
              "def g(x):\n    return _leaf(x)\n")
    assert "in `_leaf`" in uses_autograd([helper], "g")
    assert uses_autograd(["from torch.autograd import grad as slope\n",
                          "def g(x, loss):\n    return slope(loss, x)\n"], "g")
    assert uses_autograd(["import torch\nslope = torch.autograd.grad\n"
                          "def g(x):\n    return slope(x, x)\n"], "g")
    assert uses_autograd(["from torch.func import grad\ndef g(f, x):\n    return grad(f)(x)\n"],
                         "g")


def test_names_the_function_binds_itself_and_the_main_block_are_not_followed():
    src = ("import torch\ndef g(w):\n    y = w * 2\n    return y\n"
           "y = torch.zeros(3, requires_grad=True)\n"
           "if __name__ == '__main__':\n    w = torch.zeros(3, requires_grad=True)\n")
    assert uses_autograd([src], "g") is None


def test_builtin_optimizers_are_found_but_the_base_class_is_allowed():
    assert uses_builtin_optimizer(["from torch.optim import Optimizer\nclass A(Optimizer): pass"]) \
        is None
    assert uses_builtin_optimizer(["import torch\nclass A(torch.optim.Adam): pass"])
    assert uses_builtin_optimizer(["from torch.optim import Adam as Base"])
    assert uses_builtin_optimizer(["from torch.optim.adam import adam"])

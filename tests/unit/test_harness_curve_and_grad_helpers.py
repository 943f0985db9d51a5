"""Harness helpers for curves, gradients through a function and parameters with given
gradients (grader/harness/library.py), and how an error inside them is reported."""

from __future__ import annotations

import types

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.harness.library import HELPERS
from grader.harness.runner import run_probe


def test_add_keeps_ints_and_over_steps_keeps_each_value_as_returned():
    assert HELPERS["add"](7, -1) == 6 and type(HELPERS["add"](7, -1)) is int
    values = HELPERS["over_steps"](lambda i, a, b=0: a * i + b, 4, 2, b=1)
    assert values == [1, 3, 5, 7]
    tensors = HELPERS["over_steps"](lambda i: torch.tensor(float(i)), 2)
    assert all(isinstance(v, torch.Tensor) for v in tensors)


def test_sequence_function_holds_or_switches_after_the_end():
    hold = HELPERS["sequence_function"](torch.tensor([0.5, 0.25]))
    assert [hold(i) for i in range(4)] == [0.5, 0.25, 0.25, 0.25]
    assert type(hold(0)) is float
    after = HELPERS["sequence_function"]([0.5, 0.25], after=0.0)
    assert [after(i) for i in (0, 1, 2, 9)] == [0.5, 0.25, 0.0, 0.0]


def test_grads_through_is_a_vector_jacobian_product():
    torch.manual_seed(0)
    x, w, b, up = torch.randn(3, 4), torch.randn(4), torch.randn(4), torch.randn(3, 4)
    dx, dw, db = HELPERS["grads_through"](F.layer_norm, [x, (4,), w, b], up, [0, 2, 3])
    leaf = [t.clone().requires_grad_(True) for t in (x, w, b)]
    (F.layer_norm(leaf[0], (4,), leaf[1], leaf[2]) * up).sum().backward()
    for got, want in zip((dx, dw, db), leaf, strict=True):
        torch.testing.assert_close(got, want.grad)
    assert not x.requires_grad  # the inputs themselves are left alone
    # an input the result does not depend on gets zeros, and kwargs pass through
    (dx, dz) = HELPERS["grads_through"](lambda a, z, scale=1.0: a * scale, [x, w], up, [0, 1],
                                        {"scale": 3.0})
    torch.testing.assert_close(dx, 3 * up)
    assert torch.equal(dz, torch.zeros_like(w))


def test_grads_through_refuses_a_cut_graph_or_a_wrong_shape():
    x, up = torch.randn(3), torch.randn(3)
    with pytest.raises(TypeError, match="autograd cannot follow"):
        HELPERS["grads_through"](lambda a: a.detach() * 2, [x], up, [0])
    with pytest.raises(ValueError, match="shape"):
        HELPERS["grads_through"](lambda a: a.sum(), [x], up, [0])


def test_module_grads_names_the_input_and_every_parameter_and_keeps_grad_untouched():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x, up = torch.randn(5, 3), torch.randn(5, 2)
    grads = HELPERS["module_grads"](model, x, up)
    assert list(grads) == ["input", "0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(p.grad is None for p in model.parameters())
    leaf = x.clone().requires_grad_(True)
    (model(leaf) * up).sum().backward()
    torch.testing.assert_close(grads["input"], leaf.grad)
    torch.testing.assert_close(grads["2.weight"], model[2].weight.grad)


def test_load_weights_is_strict():
    model = nn.Linear(2, 1)
    w = {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}
    assert torch.equal(HELPERS["load_weights"](model, w).weight, torch.ones(1, 2))
    with pytest.raises(RuntimeError, match="Missing key"):
        HELPERS["load_weights"](model, {"weight": torch.ones(1, 2)})


def test_parameters_with_given_grads():
    values, grads = [torch.zeros(2), torch.ones(3)], [torch.ones(2), torch.full((3,), 2.0)]
    params = HELPERS["params_with_grads"](values, grads)
    params[0].grad.mul_(5)
    assert torch.equal(grads[0], torch.ones(2))  # copies
    assert [g.tolist() for g in HELPERS["grads_of"](params)] == [[5.0, 5.0], [2.0, 2.0, 2.0]]
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    HELPERS["with_grads"](model, {"2.bias": torch.ones(1)})
    got = HELPERS["grads_of"](model.parameters())
    assert got[:3] == [None, None, None] and torch.equal(got[3], torch.ones(1))
    with pytest.raises(KeyError, match="no parameters named"):
        HELPERS["with_grads"](model, {"1.weight": torch.ones(1)})


def test_an_error_inside_a_helper_names_the_students_function():
    source = "def schedule(step, warmup):\n    return 1.0 / warmup\n"
    module = types.ModuleType("student")
    exec(compile(source, "<student>", "exec"), module.__dict__)
    probe = {"steps": [{"use": "over_steps", "args": [{"student": "schedule"}, 3, 0],
                        "out": "lrs"}], "outputs": ["lrs"]}
    result = run_probe(module, probe, {}, 0, student_files=("<student",))
    assert result["status"] == "error"
    assert result["error"].startswith("`schedule` raised ZeroDivisionError"), result["error"]
    assert "line 2" in result["error"]

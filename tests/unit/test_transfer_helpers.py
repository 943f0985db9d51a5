"""Harness helpers for transfer learning: a model's state under module prefixes, its
requires_grad and training flags, an optimizer's parameter groups by name, and a task on
some of a dataset's classes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grader.harness.library import (
    HELPERS,
    class_subset,
    module_state,
    param_group_summary,
    requires_grad_flags,
    training_flags,
)
from grader.harness.values import decode, encode


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(2, 2), nn.BatchNorm1d(2))])


def test_the_helpers_are_registered():
    for fn in (module_state, requires_grad_flags, training_flags, param_group_summary,
               class_subset):
        assert HELPERS[fn.__name__] is fn


def test_module_state_takes_whole_module_names_under_each_prefix():
    net = _net()  # modules 0 .. 11: "1" is a BatchNorm, "10" a Linear, "11" a BatchNorm
    params = module_state(net, ["1"], "parameters")
    assert list(params) == ["1.weight", "1.bias"]
    buffers = module_state(net, ["1", "10"], "buffers")
    assert list(buffers) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    state = module_state(net, ["10", "1"])
    assert list(state) == ["1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked", "10.weight", "10.bias"]
    assert list(module_state(net, [""])) == list(net.state_dict())
    assert module_state(net, ["2.weight"], "parameters").keys() == {"2.weight"}
    assert module_state(net, ["nothing"]) == {}


def test_module_state_returns_detached_copies():
    net = _net()
    got = module_state(net, ["0"], "parameters")
    got["0.weight"].add_(1.0)
    assert not got["0.weight"].requires_grad
    assert not torch.equal(got["0.weight"], net[0].weight)
    with pytest.raises(KeyError):
        module_state(net, [""], "grads")


def test_requires_grad_and_training_flags_name_every_parameter_and_module():
    net = _net()
    net[0].weight.requires_grad_(False)
    net.train()
    net[1].eval()
    flags = requires_grad_flags(net)
    assert list(flags) == [n for n, _ in net.named_parameters()]
    assert flags["0.weight"] is False and flags["0.bias"] is True
    modes = training_flags(net)
    assert list(modes) == [str(i) for i in range(12)]  # the root is not listed
    assert modes["1"] is False and modes["0"] is True and modes["11"] is True
    desc, tensors = encode(modes, "out")
    assert decode(desc, tensors) == modes  # booleans cross the channel as booleans


def test_param_group_summary_names_each_groups_parameters_and_lr():
    net = _net()
    params = dict(net.named_parameters())
    groups = [{"params": [params["2.weight"], params["0.bias"]], "lr": 0.5},
              {"params": iter([params["10.bias"]])},
              {"params": params["4.weight"], "lr": 1}]
    summary = param_group_summary(net, groups)
    assert summary == {"params": [["2.weight", "0.bias"], ["10.bias"], ["4.weight"]],
                       "lr": [0.5, None, 1.0]}
    opt = torch.optim.SGD([{"params": [params["0.weight"]]}, {"params": [], "lr": 0.2}], lr=0.1)
    assert param_group_summary(net, opt) == {"params": [["0.weight"], []], "lr": [0.1, 0.2]}
    stranger = nn.Parameter(torch.zeros(1))
    assert param_group_summary(net, [{"params": [stranger]}])["params"] == [["?"]]


@pytest.mark.parametrize("groups,says", [
    ({"params": []}, "list of parameter groups"),
    (None, "list of parameter groups"),
    ([[nn.Parameter(torch.zeros(1))]], "dict with a 'params' entry"),
    ([{"lr": 0.1}], "dict with a 'params' entry"),
])
def test_param_group_summary_refuses_what_is_not_parameter_groups(groups, says):
    with pytest.raises(TypeError, match=says):
        param_group_summary(_net(), groups)


def test_class_subset_keeps_the_rows_of_some_classes_relabelled_in_list_order():
    X = torch.arange(16.0).reshape(8, 2)
    y = torch.tensor([0, 5, 7, 5, 9, 3, 7, 5])
    Xs, ys = class_subset(X, y, [7, 5])
    assert torch.equal(Xs, X[[1, 2, 3, 6, 7]])
    assert ys.tolist() == [1, 0, 1, 0, 1] and ys.dtype == torch.int64
    Xs[0].fill_(-1.0)
    assert X[1, 0] == 2.0  # a copy
    X_none, y_none = class_subset(X, y, [4])
    assert X_none.shape == (0, 2) and y_none.shape == (0,)

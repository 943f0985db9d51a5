"""Harness helpers that specs ``use`` (parameter counts, gradients through a student's
function), state dicts crossing the channel, and the XOR dataset."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from torch import nn

from grader.course.datasets import load_dataset, public_files
from grader.harness.library import HELPERS, grad_through, parameter_count
from grader.harness.values import decode, encode
from tests.conftest import ROOT


def test_helpers_are_registered_by_name():
    assert HELPERS["parameter_count"] is parameter_count
    assert HELPERS["grad_through"] is grad_through


def test_parameter_count_sums_every_parameter_once():
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2, bias=False))
    assert parameter_count(model) == 3 * 5 + 5 + 5 * 2
    shared = nn.Linear(4, 4)
    assert parameter_count(nn.Sequential(shared, shared)) == 4 * 4 + 4
    assert parameter_count(nn.ReLU()) == 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_grad_through_gives_the_elementwise_derivative(dtype):
    x = torch.linspace(-3, 3, 13, dtype=dtype)
    g = grad_through(torch.tanh, x)
    assert g.dtype == dtype
    torch.testing.assert_close(g, 1 - torch.tanh(x) ** 2)
    assert not x.requires_grad  # the input is left as it was


def test_grad_through_reports_nan_from_an_overflowing_formula():
    def naive_sigmoid(t: torch.Tensor) -> torch.Tensor:
        return 1 / (1 + torch.exp(-t))

    g = grad_through(naive_sigmoid, torch.tensor([-1000.0, 0.5, 1000.0]))
    assert torch.isnan(g[0]) and torch.isfinite(g[1:]).all()


def test_grad_through_refuses_a_result_autograd_cannot_follow():
    def detached(t: torch.Tensor) -> torch.Tensor:
        return torch.tensor(t.detach().tolist())

    with pytest.raises(TypeError, match="autograd cannot follow `detached`"):
        grad_through(detached, torch.ones(3))


def test_a_state_dict_crosses_the_channel_as_a_plain_dict():
    sd = nn.Linear(2, 3).state_dict()
    assert type(sd) is OrderedDict
    desc, tensors = encode(sd, "out")
    assert desc["type"] == "dict"
    back = decode(desc, tensors)
    assert type(back) is dict and list(back) == ["weight", "bias"]
    torch.testing.assert_close(back["weight"], sd["weight"])


def test_a_dict_subclass_is_not_trusted():
    class Sneaky(dict):
        pass

    desc, _ = encode(Sneaky(a=torch.zeros(1)), "out")
    assert desc["type"] == "other"


def test_xor_is_four_points_labelled_by_their_parity():
    for split in ("train", "test"):
        X, y = load_dataset(ROOT, "xor", split)
        assert X.shape == (4, 2) and X.dtype == torch.float32
        assert y.dtype == torch.int64
        assert torch.equal(y, (X[:, 0] != X[:, 1]).to(torch.int64))
        assert {tuple(r) for r in X.tolist()} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    rows = public_files(ROOT, "xor")["xor.csv"].decode().splitlines()
    assert len(rows) == 1 + 4 and not any(r.endswith(",test") for r in rows)


def test_same_object_is_identity_not_equality():
    from grader.harness.library import same_object
    t = torch.zeros(3)
    assert same_object(t, t) is True
    assert same_object(t, t.clone()) is False
    assert same_object(t, t.view(3)) is False  # a view is another tensor object


def test_tensor_moments_are_float64_summaries():
    from grader.harness.library import tensor_moments
    m = tensor_moments(torch.tensor([[1.0, -3.0], [2.0, 0.0]]))
    assert m == {"mean": 0.0, "mean_square": pytest.approx(14 / 4), "abs_max": 3.0}
    assert all(isinstance(v, float) for v in m.values())


def test_relu_net_log2_gain_measures_what_the_initialiser_does():
    from grader.harness.library import relu_net_log2_gain
    torch.manual_seed(0)
    x = torch.randn(256)

    def he(w):
        return w.normal_(0.0, (2 / w.shape[1]) ** 0.5)

    def plain(w):
        return w.normal_(0.0, (1 / w.shape[1]) ** 0.5)

    def fresh(w):
        return torch.randn(w.shape)

    assert abs(relu_net_log2_gain(he, 256, 6, x)) < 2.0
    assert relu_net_log2_gain(plain, 256, 6, x) == pytest.approx(-6.0, abs=2.0)
    assert relu_net_log2_gain(fresh, 256, 6, x) == float("-inf")  # the weights stay zero

"""Harness helpers for data pipelines and penalties: torch's DataLoader as an oracle of batch
order, collecting an iterator, and the gradient of a value with respect to a model."""

from __future__ import annotations

import pytest
import torch

from grader.harness.library import (
    HELPERS,
    as_list,
    dataloader_batches,
    mlp_model,
    parameter_grads,
    tensor_dataset,
)


def test_helpers_are_registered_for_specs():
    for name in ("tensor_dataset", "dataloader_batches", "as_list", "parameter_grads"):
        assert name in HELPERS


@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (True, True), (False, False)])
def test_dataloader_batches_is_one_dataloader_pass_as_tuples(shuffle, drop_last):
    X, y = torch.randn(23, 3), torch.arange(23)
    ds = tensor_dataset(X, y)
    got = dataloader_batches(ds, 5, torch.Generator().manual_seed(4), shuffle, drop_last)
    loader = torch.utils.data.DataLoader(ds, batch_size=5, shuffle=shuffle, drop_last=drop_last,
                                         generator=torch.Generator().manual_seed(4))
    want = list(loader)
    assert len(got) == len(want) == (4 if drop_last else 5)
    for (xb, yb), (wx, wy) in zip(got, want, strict=True):
        assert torch.equal(xb, wx) and torch.equal(yb, wy)
        assert torch.equal(xb, X[yb])  # images stay with their labels


def test_dataloader_order_is_randperm_after_one_base_seed_draw():
    # what the lesson text tells students about DataLoader: keep it true for this torch
    g = torch.Generator().manual_seed(9)
    torch.empty((), dtype=torch.int64).random_(generator=g)
    order = torch.randperm(11, generator=g)
    got = dataloader_batches(tensor_dataset(torch.arange(11)), 11,
                             torch.Generator().manual_seed(9))
    assert torch.equal(got[0][0], order)


def test_as_list_collects_in_order_and_stops_an_endless_iterator():
    assert as_list(iter(range(4))) == [0, 1, 2, 3]
    assert as_list([("a", 1)]) == [("a", 1)]

    def endless():
        while True:
            yield 1

    with pytest.raises(ValueError, match="endless"):
        as_list(endless(), limit=50)


def test_parameter_grads_by_name_with_zeros_where_unused():
    model = mlp_model([torch.randn(4, 3), torch.randn(2, 4)], [torch.randn(4), torch.randn(2)])
    value = (model[0].weight ** 2).sum() / 2
    grads = parameter_grads(model, value)
    assert list(grads) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert torch.allclose(grads["0.weight"], model[0].weight.detach())
    assert not grads["0.bias"].any() and not grads["2.weight"].any()
    for cut in (float(value.detach()), value.detach()):
        with pytest.raises(ValueError, match="cuts the graph"):
            parameter_grads(model, cut)

"""Tolerance comparison: fixed order of checks, per-dtype tolerances, readable messages."""

from __future__ import annotations

import pytest
import torch

from grader.grading.compare import compare


def test_float64_answer_passes_against_float32_expected():
    e = torch.randn(50)
    assert compare(e.double() + 1e-7, e).ok


def test_shape_mismatch_comes_first_and_explains_broadcasting():
    c = compare(torch.zeros(5, 5), torch.zeros(5))
    assert not c.ok and c.structural
    assert "(n, 1) minus (n,)" in c.message


def test_integer_result_where_float_expected_is_a_dtype_failure():
    c = compare(torch.zeros(3, dtype=torch.int64), torch.zeros(3))
    assert not c.ok and "dtype" in c.message


def test_nan_is_reported_with_index():
    a = torch.tensor([1.0, float("nan"), 3.0])
    c = compare(a, torch.tensor([1.0, 2.0, 3.0]))
    assert not c.ok and "NaN at index (1,)" in c.message


def test_value_mismatch_reports_measured_and_allowed_error():
    c = compare(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]), rtol=1e-3, atol=1e-3)
    assert not c.ok
    assert c.error == 0.5
    assert abs(c.tolerance - (1e-3 + 2e-3)) < 1e-12
    assert "received 2.5, expected 2, at index (1,)" in c.message


def test_python_float_expected_rejects_tensor_with_item_hint():
    c = compare([torch.tensor(1.0)], [1.0])
    assert not c.ok and ".item()" in c.message


def test_tuple_and_dict_structures():
    assert compare((torch.ones(2), torch.zeros(())), (torch.ones(2), torch.zeros(()))).ok
    c = compare({"a": torch.ones(2)}, {"a": torch.ones(2), "b": torch.ones(1)})
    assert not c.ok and "missing keys ['b']" in c.message


def test_trajectory_tolerance_can_grow_with_steps():
    e = torch.zeros(10, 3)
    a = e.clone()
    a[9] = 9e-5
    assert not compare(a, e, rtol=0.0, atol=1e-6).ok
    assert compare(a, e, rtol=0.0, atol=1e-6, atol_per_step=1e-5).ok


def test_equal_nan_lets_a_nan_variant_match():
    a = torch.tensor([float("nan"), 1.0])
    assert compare(a, a.clone(), equal_nan=True).ok
    assert not compare(a, a.clone()).ok


def test_a_coarser_dtype_does_not_buy_a_looser_tolerance():
    expected = torch.linspace(1.0, 2.0, 50)
    wrong = (expected * 1.01).to(torch.bfloat16)  # 1% off: bfloat16's own tolerance is 1.6%
    c = compare(wrong, expected)
    assert not c.ok and c.structural
    assert "received dtype bfloat16, expected float32" in c.message
    assert "less precision" in c.message
    assert not compare(expected.half(), expected).ok


def test_a_wider_dtype_passes_at_the_expected_dtypes_tolerance():
    expected = torch.linspace(1.0, 2.0, 50)
    assert compare(expected.double(), expected).ok
    # the tolerance is float32's, not float64's: a float32-sized error passes in float64
    assert compare(expected.double() * (1 + 1e-6), expected).ok
    assert not compare(expected.double(), expected, exact_dtype=True).ok
    # and float32 where float64 is expected is a dtype problem
    c = compare(expected, expected.double())
    assert not c.ok and "less precision than float64" in c.message


def test_integer_width_is_checked():
    idx = torch.arange(5)
    c = compare(idx.to(torch.int32), idx, 0.0, 0.0)
    assert not c.ok and "received dtype int32, expected int64" in c.message
    assert compare(idx, idx.to(torch.int32), 0.0, 0.0).ok  # wider is fine
    assert not compare(idx, idx.to(torch.int32), 0.0, 0.0, exact_dtype=True).ok


def test_like_sets_the_dtype_contract_when_values_come_from_elsewhere():
    closed_form = torch.tensor([1.0, 2.0], dtype=torch.float64)
    reference_output = closed_form.float()
    student = closed_form.float() + 1e-6
    assert compare(student, closed_form, 1e-4, 1e-4, like=reference_output).ok
    assert not compare(student.half(), closed_form, 1e-2, 1e-2, like=reference_output).ok
    # structures are followed alongside
    assert compare([student], [closed_form], 1e-4, 1e-4, like=[reference_output]).ok


def test_values_only_ignores_dtypes():
    a = torch.tensor([1.0, 2.0])
    assert compare(a.half(), a, dtypes=False).ok


def test_exact_comparison_reports_an_entry_that_differs():
    """With no tolerance (an ``equal`` check on floats), entries that match exactly are no
    excess (not 0/0): the message points at one that differs."""
    e = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = e.clone()
    a[1, 0] = 3.5
    c = compare(a, e, 0.0, 0.0)
    assert not c.ok
    assert "received 3.5, expected 3, at index (1, 0)" in c.message, c.message


def test_an_infinite_expected_value_matches_only_the_same_infinity():
    inf = float("inf")
    e = torch.tensor([1.0, inf])
    assert not compare(torch.tensor([1.0, 5.0]), e, rtol=1e-5, atol=1e-6).ok
    assert not compare(torch.tensor([1.0, -inf]), e, rtol=1e-5, atol=1e-6).ok
    assert compare(torch.tensor([1.0, inf]), e, rtol=1e-5, atol=1e-6).ok


def test_closeness_agrees_with_torch_isclose_on_random_values():
    """The verdict is torch's own closeness (|a - e| <= atol + rtol * |e|, equal infinities
    close), and the measured error is the largest difference, on values drawn at random
    with infinities, NaN and exact matches mixed in."""
    g = torch.Generator().manual_seed(0)
    for trial in range(300):
        shape = [(), (1,), (7,), (3, 4)][trial % 4]
        e = torch.randn(shape, generator=g, dtype=torch.float64) * 10 ** (trial % 5)
        a = e + torch.randn(shape, generator=g, dtype=torch.float64) * 10 ** -(trial % 9)
        if trial % 3 == 0 and e.numel() > 1:
            a.view(-1)[0] = e.view(-1)[0] = [float("inf"), -float("inf")][trial % 2]
        if trial % 7 == 0:
            a = e.clone()
        rtol, atol = 10.0 ** -(trial % 7), 10.0 ** -(3 + trial % 5)
        c = compare(a, e, rtol, atol)
        assert c.ok == bool(torch.isclose(a, e, rtol=rtol, atol=atol).all()), (trial, c)
        finite = torch.isfinite(e)
        largest = float((a - e)[finite].abs().max()) if finite.any() else 0.0
        if c.ok:  # the largest difference; else the one furthest past its allowance
            assert c.error == pytest.approx(largest, rel=0, abs=0)
        else:
            assert c.tolerance < c.error <= largest
        nan_at = torch.zeros(shape, dtype=torch.bool)
        if e.numel() > 1:
            nan_at.view(-1)[-1] = True
        both = compare(torch.where(nan_at, float("nan"), a), torch.where(nan_at, float("nan"), e),
                       rtol, atol, equal_nan=True)
        assert both.ok == bool(torch.isclose(a, e, rtol=rtol, atol=atol)[~nan_at].all())


def test_a_difference_beyond_float64s_range_fails_with_the_largest_finite_error():
    c = compare(torch.tensor([1e308], dtype=torch.float64),
                torch.tensor([-1e308], dtype=torch.float64), 1e-7, 1e-7)
    assert not c.ok
    assert c.error == torch.finfo(torch.float64).max

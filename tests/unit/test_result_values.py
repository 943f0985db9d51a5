"""What a submission's results become on their way out of the sandbox (``harness/values``),
and how the quiz reads a letter: a correct answer written another usual way is the same
answer."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import torch

from grader.grading.checks.quiz import letter_of, same_answer
from grader.grading.compare import describe
from grader.harness.values import Unsupported, decode, encode


def crossed(value: object) -> object:
    return decode(*encode(value, "k"))


@pytest.mark.parametrize("value,plain", [
    (np.float64(0.05), 0.05),  # np.mean, np.linalg.norm: a float subclass
    (np.float32(0.25), 0.25),
    (np.int64(3), 3),
    (Fraction(1, 4), 0.25),
    (np.bool_(True), True),  # a NumPy comparison
])
def test_a_numpy_or_other_real_number_crosses_as_a_python_number(value, plain):
    got = crossed(value)
    assert got == plain and type(got) is type(plain)


def test_a_list_of_numpy_floats_is_a_list_of_python_floats():
    got = crossed([np.float64(1.5), 2.0, np.float32(0.5)])
    assert got == [1.5, 2.0, 0.5] and all(type(x) is float for x in got)
    assert crossed([np.int64(1), 2]) == [1, 2]


def test_a_zero_dim_tensor_is_still_a_tensor_not_a_number():
    assert isinstance(crossed(torch.tensor(1.0)), torch.Tensor)


def test_a_number_whose_float_fails_is_no_result_not_a_crash_of_the_harness():
    class Liar(float):
        def __float__(self) -> float:
            raise TypeError("no")

    with pytest.raises(ValueError, match="float\\(\\) refuses"):
        encode(Liar(1.0), "k")


def test_what_is_not_a_result_is_named_with_its_module():
    got = crossed([np.zeros(2), 1.0])
    assert isinstance(got, list) and isinstance(got[0], Unsupported)
    assert describe(got) == "a list of length 2 of float, numpy.ndarray"
    assert describe(crossed(np.zeros(2))) == "an object of type numpy.ndarray"


CHOICE = {"kind": "choice", "answer": "b"}


@pytest.mark.parametrize("given", ["b", "B", " b ", "b)", "(b)", "b.", "(B)"])
def test_a_letter_written_the_usual_ways_is_that_letter(given):
    assert letter_of(given) == "b" and same_answer(CHOICE, given, "b")


@pytest.mark.parametrize("given", ["bb", "b) because", "", "2", None, 2, "a or b"])
def test_anything_else_is_not_a_letter(given):
    assert letter_of(given) is None and not same_answer(CHOICE, given, "b")

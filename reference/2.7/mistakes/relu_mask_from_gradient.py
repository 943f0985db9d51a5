"""Masks ReLU's backward with the sign of the incoming gradient, not of the input z (question 4)."""

ANSWERS = {**ANSWERS, "q4": 7}

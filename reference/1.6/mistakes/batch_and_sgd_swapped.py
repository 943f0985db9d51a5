"""Swaps batch gradient descent and SGD: n updates for batch GD, one for SGD (question 3)."""

ANSWERS = {**ANSWERS, "q3": "b"}

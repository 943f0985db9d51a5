"""Writes the weight gradient as G^T X, the transpose of the right one (question 3)."""

ANSWERS = {**ANSWERS, "q3": "a"}

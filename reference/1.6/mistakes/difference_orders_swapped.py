"""Swaps the error orders of the forward and the central difference (question 10)."""

ANSWERS = {**ANSWERS, "q10": "a"}

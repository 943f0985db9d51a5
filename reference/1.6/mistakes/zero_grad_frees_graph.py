"""Believes zero_grad() frees the previous batch's graph (question 2)."""

ANSWERS = {**ANSWERS, "q2": "b"}

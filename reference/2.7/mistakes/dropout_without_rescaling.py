"""Forgets inverted dropout's 1 / (1 - p) scaling of the kept activations (question 10)."""

ANSWERS = {**ANSWERS, "q10": 3.0}

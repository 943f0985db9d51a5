"""Counts only the weight matrices of the MLP, not its biases (question 2)."""

ANSWERS = {**ANSWERS, "q2": 2720}

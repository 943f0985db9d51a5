"""Counts the fraction of zero entries instead of the units that are zero on every row (question 7)."""

ANSWERS = {**ANSWERS, "q7": 0.75}

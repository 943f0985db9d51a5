"""Counts a unit as dead when it is 0 on some row instead of every row (question 7)."""

ANSWERS = {**ANSWERS, "q7": 1.0}

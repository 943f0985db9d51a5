"""Counts one row per step and forgets the starting point of the trajectory (question 9)."""

ANSWERS = {**ANSWERS, "q9": 50}

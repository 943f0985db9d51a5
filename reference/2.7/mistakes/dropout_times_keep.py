"""Multiplies the kept activation by 1 - p instead of dividing by it (question 10)."""

ANSWERS = {**ANSWERS, "q10": 2.4}

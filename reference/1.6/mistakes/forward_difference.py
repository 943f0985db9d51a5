"""Treats the forward difference as good as the central one and uses it (questions 10 and 11)."""

ANSWERS = {**ANSWERS, "q10": "c", "q11": 3.31}

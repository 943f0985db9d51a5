"""Forgets the 2 that comes down from the square in the MSE gradient (questions 6 and 7)."""

ANSWERS = {**ANSWERS, "q6": "a", "q7": -4}

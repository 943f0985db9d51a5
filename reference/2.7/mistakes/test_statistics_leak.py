"""Standardises the test split with its own statistics (question 8)."""

ANSWERS = {**ANSWERS, "q8": "c"}

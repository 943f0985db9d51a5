"""Believes step() may come before backward() (question 1)."""

ANSWERS = {**ANSWERS, "q1": "d"}

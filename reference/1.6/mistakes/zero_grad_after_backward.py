"""Believes zero_grad belongs between backward and step (question 1)."""

ANSWERS = {**ANSWERS, "q1": "c"}

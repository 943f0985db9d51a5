"""Differentiates x * Phi(x) as Phi(x), without the product rule's x * phi(x) (question 6)."""

ANSWERS = {**ANSWERS, "q6": 0.8413}

"""Believes stacking linear layers without activations adds expressive power (question 1)."""

ANSWERS = {**ANSWERS, "q1": "a"}

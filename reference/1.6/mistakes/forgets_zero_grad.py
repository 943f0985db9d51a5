"""Believes the loop needs no zero_grad: forward, backward, step (question 1)."""

ANSWERS = {**ANSWERS, "q1": "a"}

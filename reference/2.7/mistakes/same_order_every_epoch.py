"""Believes a seeded DataLoader repeats the first epoch's order in every epoch (question 9)."""

ANSWERS = {**ANSWERS, "q9": "b"}

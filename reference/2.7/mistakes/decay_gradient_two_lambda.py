"""Differentiates lambda * w^2 instead of (lambda / 2) w^2: decay 2 * lambda * w (question 12)."""

ANSWERS = {**ANSWERS, "q12": 1.946}

"""Takes the penalty as lambda times the sum of squares, without the 1/2 (question 11)."""

ANSWERS = {**ANSWERS, "q11": 1.4}

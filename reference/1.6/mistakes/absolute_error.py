"""Reports the absolute error ||a - b|| without dividing by the gradients' size (question 12)."""

ANSWERS = {**ANSWERS, "q12": 0.5}

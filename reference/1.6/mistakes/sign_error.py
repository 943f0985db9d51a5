"""Takes the gradient with the residual y - Xw - b, the sign flipped (question 6)."""

ANSWERS = {**ANSWERS, "q6": "c"}

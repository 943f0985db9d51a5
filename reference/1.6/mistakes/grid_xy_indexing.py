"""Believes indexing="xy" (NumPy's default) gives grids indexed [w, b] (question 8)."""

ANSWERS = {**ANSWERS, "q8": "b"}

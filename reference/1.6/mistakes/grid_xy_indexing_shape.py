"""Takes indexing="xy" for the grid indexed [w, b], with the shape it gives (question 8)."""

ANSWERS = {**ANSWERS, "q8": "a"}

"""sign_flipped: residual y - y_hat."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": "c",
    "q3": "a",
    "q4": 16,
    "q5": 15,
    "q6": "d",
    "q7": 8,
    "q8": "c",
    "q9": 51,
    "q10": "b",
    "q11": 3.01,
    "q12": 0.05,
}

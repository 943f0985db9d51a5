"""gelu_grad_missing_x_pdf: GELU'(1) as Phi(1) alone (0.841)."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": 2778,
    "q3": "b",
    "q4": 2,
    "q5": 0.4683,
    "q6": 0.8413,
    "q7": 0.5,
    "q8": "b",
    "q9": "a",
    "q10": 3.75,
    "q11": 0.7,
    "q12": 1.948,
}

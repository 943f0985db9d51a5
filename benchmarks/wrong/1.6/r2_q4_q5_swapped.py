"""partial_batch_dropped: q4 and q5 swapped."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": "c",
    "q3": "a",
    "q4": 15,
    "q5": 16,
    "q6": "d",
    "q7": -8,
    "q8": "c",
    "q9": 51,
    "q10": "b",
    "q11": 3.01,
    "q12": 0.05,
}

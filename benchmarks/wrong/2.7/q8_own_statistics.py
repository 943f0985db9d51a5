"""test_statistics_leak: each split standardised with its own statistics."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": 2778,
    "q3": "b",
    "q4": 2,
    "q5": 0.4683,
    "q6": 1.0833,
    "q7": 0.5,
    "q8": "c",
    "q9": "a",
    "q10": 3.75,
    "q11": 0.7,
    "q12": 1.948,
}

"""dropout_times_keep: the kept activation multiplied by 1 - p (2.4)."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": 2778,
    "q3": "b",
    "q4": 2,
    "q5": 0.4683,
    "q6": 1.0833,
    "q7": 0.5,
    "q8": "b",
    "q9": "a",
    "q10": 2.4,
    "q11": 0.7,
    "q12": 1.948,
}

"""dead_if_inactive_once: a unit counted dead when it is 0 on some row (all four)."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": 2778,
    "q3": "b",
    "q4": 2,
    "q5": 0.4683,
    "q6": 1.0833,
    "q7": 1.0,
    "q8": "b",
    "q9": "a",
    "q10": 3.75,
    "q11": 0.7,
    "q12": 1.948,
}

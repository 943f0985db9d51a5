"""path_without_start: counts one row per step."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "b",
    "q2": "c",
    "q3": "a",
    "q4": 16,
    "q5": 15,
    "q6": "d",
    "q7": -8,
    "q8": "c",
    "q9": 50,
    "q10": "b",
    "q11": 3.01,
    "q12": 0.05,
}

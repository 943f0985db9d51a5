"""Correct 1.6 answers written differently: upper-case letters with spaces, counts as floats."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "B",
    "q2": " C ",
    "q3": "A",
    "q4": 16.0,
    "q5": 15.0,
    "q6": "D",
    "q7": -8.0,
    "q8": "C",
    "q9": 51.0,
    "q10": "B",
    "q11": 3.0100000000000016,
    "q12": 0.05000,
}

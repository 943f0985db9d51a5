"""Correct 2.7 answers written differently: upper-case letters with spaces, counts as floats,
more decimals than needed."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "B",
    "q2": 2778.0,
    "q3": " b ",
    "q4": 2.0,
    "q5": 0.46831,
    "q6": 1.08332,
    "q7": 0.50,
    "q8": "B ",
    "q9": "A",
    "q10": 3.7500000001,
    "q11": 0.7000000000000001,
    "q12": 1.94800,
}

"""stacked_linear_is_deeper: three stacked Linear layers believed more expressive than one."""

ANSWERS: dict[str, str | float | None] = {
    "q1": "a",
    "q2": 2778,
    "q3": "b",
    "q4": 2,
    "q5": 0.4683,
    "q6": 1.0833,
    "q7": 0.5,
    "q8": "b",
    "q9": "a",
    "q10": 3.75,
    "q11": 0.7,
    "q12": 1.948,
}

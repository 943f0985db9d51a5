"""Getting grading to people: the student release, Gradescope, batch grading of a class,
and grading from inside a notebook."""

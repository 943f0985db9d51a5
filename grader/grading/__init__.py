"""The grading engine: a submission passes once through named stages (load, draw, run,
oracle, checks, mistakes, result); the check kinds and the comparison live here."""

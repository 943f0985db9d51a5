"""Report formats: each module turns a ``GradeResult`` into one output format."""

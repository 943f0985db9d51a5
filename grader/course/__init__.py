"""The course as data: lessons, their specs and cross-reference validation, inputs drawn
fresh per run, shipped datasets, and the public checks of a student release."""

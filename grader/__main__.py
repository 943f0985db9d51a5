"""``python -m grader`` is the ``grade`` command.

``python -m`` puts the current folder first on ``sys.path``; a student's folder may hold a
``torch.py`` (or anything else) that must never be imported into the process that
decides the score, so it is taken off before anything else is imported.
"""

import os
import sys

_here = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", ".", _here)]

from grader.cli import grade  # noqa: E402

grade()

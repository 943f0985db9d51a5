"""One error family for the whole grader: each class carries its exit code and who is at
fault, and the command line maps them to exit codes in one place (``cli.py``).

Who is at fault decides what a person is told:
- ``user``: the command was used wrongly (no such lesson, no file, an unreadable
  notebook, an ambiguous folder): exit 2, the message says what to do instead;
- ``grader``: the grader itself failed (a broken spec, the reference or the harness
  raised, no sandbox could start): exit 3, the message asks to report it. A grader fault
  is never shown to a student as lost points.

A student's submission that fails is not an error at all: it is a graded result (exit 0).
"""

from __future__ import annotations

from typing import ClassVar, Literal

Fault = Literal["user", "grader"]

EXIT_GRADED = 0
EXIT_USAGE = 2
EXIT_GRADER = 3
EXIT_STOPPED = 130  # a batch stopped by Ctrl-C or SIGTERM (its results so far are kept)


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""

    exit_code: ClassVar[int] = EXIT_GRADER
    fault: ClassVar[Fault] = "grader"

    def advice(self) -> str:
        """What to do about it, in one line (shown under the message)."""
        if self.fault == "grader":
            return ("This is a fault of the grader, not of your code: please report it "
                    "(with the lesson and the seed). Set GRADER_DEBUG=1 for details.")
        return ""


class UsageProblem(GraderError):
    """The command was used wrongly: the user can fix it."""

    exit_code = EXIT_USAGE
    fault = "user"


class LessonNotFound(UsageProblem):
    """No lesson with that id in the course folder."""


class SubmissionError(UsageProblem):
    """The submission cannot be read as Python or a notebook, or cannot be found."""


class SpecError(GraderError):
    """A lesson's spec (or a file it names) is broken: the course's fault."""

    def advice(self) -> str:
        return ("The course itself is broken here, not your code: course authors, fix the "
                "spec (`grade check-course` checks every lesson); students, please report it.")


class SandboxError(GraderError):
    """No sandbox could be started here (not a fault of the submission)."""


class SandboxSetting(SandboxError):
    """A setting of this machine or session keeps the sandbox from running (its message
    names the setting): nothing to report, the person running the grader can change it."""

    def advice(self) -> str:
        return "Not a fault of your code: change the setting named above and grade again."


class GraderFault(GraderError):
    """The grader failed while grading: the reference, an oracle or the harness raised,
    or the harness reported a fault of its own from inside the sandbox."""


class ShardsIncomplete(GraderError):
    """`grade merge` found shards that did not finish: the cluster's doing as often as not
    (a task cancelled or out of time), and nothing is lost: they resume."""

    def advice(self) -> str:
        return ("A shard that did not finish (cancelled, out of time, or failed: see its "
                "log) is run again with the same command; it grades only who is missing.")

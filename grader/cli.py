"""The ``grade`` command (click).

``grade LESSON [SUBMISSION]`` grades a ``.py`` or ``.ipynb`` file (found by the lesson's
file name in the current folder when not given); ``grade list`` shows the lessons.
Importing this module pulls in neither torch nor docker: ``grade --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from grader.errors import (
    EXIT_STOPPED,
    GraderError,
    GraderFault,
    SandboxError,
    ShardsIncomplete,
    UsageProblem,
)
from grader.quick_exit import exit_now

FORMATS = ["text", "json", "github", "junit", "classroom", "gradescope"]
SANDBOXES = ["auto", "bwrap", "docker", "process"]


class DefaultToRun(click.Group):
    """A group whose default command is ``run``: ``grade 1.2`` means ``grade run 1.2``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage("grade", "LESSON [SUBMISSION] [OPTIONS]\n       grade COMMAND ...")

    def invoke(self, ctx: click.Context) -> Any:
        """The one place where errors become exit codes (``grader.errors``): a usage problem
        exits 2 with click's usage message; a fault of the grader exits 3 with a message
        asking to report it; any other exception is a grader fault too, never a traceback
        (``GRADER_DEBUG=1`` shows it)."""
        try:
            return super().invoke(ctx)
        except UsageProblem as e:
            raise click.UsageError(str(e), ctx) from None
        except GraderError as e:
            _fail(e)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as e:  # noqa: BLE001 - a bug of ours must not look like a traceback
            if os.environ.get("GRADER_DEBUG"):
                raise
            _fail(GraderFault(f"internal error in the grader: {type(e).__name__}: {e}"))


def grade() -> NoReturn:
    """The installed ``grade`` command (and ``python -m grader``): :func:`main`, then an exit
    that skips the interpreter's teardown of torch (``grader.quick_exit``: ~0.5 s)."""
    try:
        main()
        code: object = 0
    except SystemExit as e:
        code = e.code
    exit_now(code)


def _fail(error: GraderError) -> None:
    click.echo(f"error: {error}", err=True)
    if error.advice():
        click.echo(error.advice(), err=True)
    sys.exit(error.exit_code)


@click.group(cls=DefaultToRun, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="training-loop-grader", prog_name="grade")
def main() -> None:
    """Grade exercises of "Learn the Training Loop with PyTorch".

    \b
    Examples:
      grade 1.2                      grade linear_regression.py (or .ipynb) in this folder
      grade 2.3 my_notebook.ipynb    grade a given file
      grade 3.1 --format json        machine-readable result
      grade 1.2 --seed 1234          replay a grading exactly (the seed is in every result)
      grade list                     the lessons and their points

    \b
    For CI and course platforms:
      grade 1.2 --format github      job summary ($GITHUB_STEP_SUMMARY) and ::error lines
      grade 1.2 --format junit       JUnit XML (one testcase per check)
      grade 1.2 --format classroom   GitHub Classroom runner result (to $GITHUB_OUTPUT)
      grade 1.2 --format gradescope  the results.json Gradescope would get
      grade gradescope build 1 -o autograder.zip   Gradescope autograder of module 1
      grade schema                   JSON Schema of the --format json result

    Your code runs in a separate process with time, memory and output limits, on inputs
    drawn fresh for every run, and is compared with a hidden reference. Failed checks say
    by how much, and name a known mistake when they recognise one.

    The `process` sandbox (what `auto` falls back to where neither bwrap nor docker
    runs) limits time, memory, output and files. Run by an unprivileged user it runs as
    that user beside the grader: it does not hide the machine's files, /tmp, the network
    or the grader's process from your code. Run by root (Gradescope) it never runs
    student code as root: each job gets a user of its own, namespaces where the kernel
    allows them (else the network stays open), and every process it started is killed
    before its outputs are read; files every user may read stay readable. Each result
    says which isolation ran, and warns when your code could read the reference.
    Instructors grading untrusted submissions should use --sandbox bwrap or docker.

    Exit codes, the same for every command: 0 graded (whatever the score); 2 a
    usage error (no such lesson, no file, two candidate files, an unreadable
    notebook); 3 a fault of the grader or the course, never of your code (please
    report it); 130 a batch stopped by Ctrl-C or SIGTERM (what it graded is kept).
    """


def _find_submission(lesson: Any, given: Path | None) -> Path:
    """The file to grade: the one given; in a folder given, or else in the current folder,
    the lesson's file (``grader.grading.submission.find_submission``: one rule everywhere).
    A file the finder cannot read is the user's to fix (exit 2), as when it is named."""
    if given is not None and not given.is_dir():
        return given
    from grader.grading.submission import SubmissionError, find_submission  # noqa: PLC0415

    folder = Path(".") if given is None else given
    try:
        return find_submission(folder, lesson.spec.lesson.stem, stubs=lesson.stub_files)
    except SubmissionError as e:
        message = str(e)
        if given is None:  # "." reads as the parent folder ("in .. Pass the file")
            message = re.sub(r" (in|outside) \.(?=$|[:;])",
                             lambda m: f" {m[1]} the current folder ({Path.cwd()})", message)
        raise SubmissionError(f"{message}. Pass the file: grade {lesson.id} PATH") from None
    except OSError as e:  # a candidate it had to read to compare with the stub
        raise SubmissionError(_cannot_read(Path(e.filename or folder), e)) from None


def _cannot_read(path: Path, e: OSError) -> str:
    return f"cannot read {path}: {e.strerror or e}"


@main.command("run")
@click.argument("lesson")
@click.argument("submission", required=False, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Output format: text (for people), json (`grade schema` describes it), "
                   "github (job summary + annotations), junit (XML), classroom (GitHub "
                   "Classroom runner result), gradescope (results.json).")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the inputs (default: fresh each run; printed in the result).")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=None,
              help="Wall-time limit in seconds for your code (default: the lesson's).")
@click.option("--sandbox", type=click.Choice(SANDBOXES), default="auto", show_default=True,
              help="Where your code runs: process (limits; as root, a user of its own per "
                   "job), bwrap or docker (also hide the rest of the machine and the "
                   "network); auto picks the strongest here.")
@click.option("--gpu", is_flag=True, default=False,
              help="Give your code this machine's CUDA GPU (process or docker sandbox; "
                   "auto picks process).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the JSON result to this file.")
def run_cmd(lesson: str, submission: Path | None, fmt: str, seed: int | None,
            timeout: float | None, sandbox: str, gpu: bool, output: Path | None) -> None:
    """Grade SUBMISSION (a .py or .ipynb file, or a folder holding the lesson's file) for
    LESSON (e.g. 1.2)."""
    from grader.sandbox import start_early  # noqa: PLC0415 - no torch

    # first of all, the sandbox starts (it imports torch there, the longest part of a
    # cold grading) while this process imports the rest of the grader, reads the lesson
    # and imports torch too; a sandbox that cannot start is said after the lesson and the
    # file are known to be fine
    try:
        backend: Any = start_early(sandbox, gpu=gpu)
    except (SandboxError, UsageProblem) as e:  # (--gpu where it cannot work: exit 2)
        backend = e
    from rich.console import Console  # noqa: PLC0415

    from grader.course.lessons import get_lesson  # noqa: PLC0415

    les = get_lesson(lesson)
    les.spec  # noqa: B018 - validate the spec (and what it refers to) before anything runs
    ci_file = {"github": "GITHUB_STEP_SUMMARY", "classroom": "GITHUB_OUTPUT"}.get(fmt)
    for target in (output, _env_file(ci_file) if ci_file else None):
        if target is not None:
            _check_writable(target)
    err = Console(stderr=True)
    try:
        path = _find_submission(les, submission)
        from grader.grading.submission import (  # noqa: PLC0415 - no torch
            SubmissionError,
            load_program,
        )

        try:
            program = load_program(path, les.spec.lesson.stem)
        except OSError as e:  # (unreadable: what click says of a file named unreadable)
            raise SubmissionError(_cannot_read(path, e)) from None
        if isinstance(backend, GraderError):  # the sandbox, or --gpu, could not start
            raise backend
        if gpu:
            from grader.sandbox import require_host_gpu  # noqa: PLC0415 - imports torch

            require_host_gpu(backend)
        from grader.grading.engine import grade_program  # noqa: PLC0415 - imports torch

        if fmt == "text":
            with err.status(f"grading {path.name} for lesson {les.id}…") as status:
                result = grade_program(les, program, seed=seed, sandbox=backend,
                                       time_limit_s=timeout, gpu=gpu,
                                       on_progress=lambda m: status.update(m + "…"))
        else:
            result = grade_program(les, program, seed=seed, sandbox=backend,
                                   time_limit_s=timeout, gpu=gpu)
    except GraderError as e:
        _report_not_graded(fmt, les, str(e) if e.fault == "user"
                           else f"the grader failed (not your code): {e}")
        raise
    except Exception as e:
        _report_not_graded(fmt, les, f"internal error in the grader: {type(e).__name__}: {e}")
        raise
    if output is not None:
        from grader.report.json_report import render_json  # noqa: PLC0415

        _write(output, render_json(result) + "\n")
    if result.isolation_warning and fmt != "text":  # the text report shows it in red
        click.echo(f"WARNING: grading was not isolated: {result.isolation_warning}", err=True)
    _emit(fmt, result, les)


def _check_writable(path: Path) -> None:
    """Fail before grading, not after, when an output file cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise click.UsageError(f"cannot write {path}: it is a folder")
    if not parent.is_dir():
        raise click.UsageError(f"cannot write {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.UsageError(f"cannot write {path}: permission denied")


def _write(path: Path, text: str, *, append: bool = False) -> None:
    try:
        with path.open("a" if append else "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise click.UsageError(f"cannot write {path}: {e.strerror}") from None


def _env_file(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _emit(fmt: str, result: Any, les: Any) -> None:
    """Print (and, for the CI formats, write where the CI looks) one graded result."""
    from rich.console import Console  # noqa: PLC0415

    if fmt == "json":
        from grader.report.json_report import render_json  # noqa: PLC0415

        click.echo(render_json(result))
    elif fmt == "junit":
        from grader.report.junit import render_junit  # noqa: PLC0415

        click.echo(render_junit(result))
    elif fmt == "gradescope":
        from grader.report.gradescope import render_gradescope  # noqa: PLC0415

        click.echo(render_gradescope(result, {c.name: c.visibility for c in les.spec.checks}))
    elif fmt == "github":
        from grader.report.github import annotations, job_summary  # noqa: PLC0415

        summary = _env_file("GITHUB_STEP_SUMMARY")
        if summary is not None:
            _write(summary, job_summary(result), append=True)
        else:
            click.echo(job_summary(result))
        for line in annotations(result):
            click.echo(line)
    elif fmt == "classroom":
        from grader.report.classroom import classroom_result  # noqa: PLC0415

        _emit_classroom(classroom_result(result))
        if _env_file("GITHUB_OUTPUT") is not None:
            from grader.report.terminal import render_terminal  # noqa: PLC0415

            render_terminal(result, Console())
    else:
        from grader.report.terminal import render_terminal  # noqa: PLC0415

        render_terminal(result, Console())


def _emit_classroom(data: dict[str, Any]) -> None:
    """``result=<base64>`` to ``$GITHUB_OUTPUT`` when set, else the JSON on stdout."""
    from grader.report.classroom import output_line, render_classroom  # noqa: PLC0415

    target = _env_file("GITHUB_OUTPUT")
    if target is not None:
        _write(target, output_line(data), append=True)
    else:
        click.echo(render_classroom(data))


def _report_not_graded(fmt: str, les: Any, message: str) -> None:
    """For the CI formats, say that a lesson was not graded where the CI will look."""
    if fmt == "classroom":
        from grader.report.classroom import classroom_error  # noqa: PLC0415

        _emit_classroom(classroom_error([(c.name, c.points) for c in les.spec.checks],
                                        f"not graded: {message}"))
    elif fmt == "github":
        from grader.report.github import workflow_command  # noqa: PLC0415

        summary = _env_file("GITHUB_STEP_SUMMARY")
        if summary is not None:
            _write(summary, f"### Lesson {les.id}: not graded\n\n{message}\n\n", append=True)
        click.echo(workflow_command("error", message, title=f"Lesson {les.id}: not graded"))


@main.command("list")
def list_cmd() -> None:
    """List the lessons that have a grader, with their points."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from grader.course.lessons import all_lessons  # noqa: PLC0415
    from grader.errors import SpecError  # noqa: PLC0415

    table = Table(title="Lessons")
    broken: list[SpecError] = []
    for col in ("lesson", "title", "file", "checks", "points"):
        table.add_column(col, justify="right" if col in ("checks", "points") else "left")
    for les in all_lessons():
        try:
            s = les.spec
        except SpecError as e:
            table.add_row(les.id, "[red]invalid spec (see below)[/red]", "", "", "")
            broken.append(e)
            continue
        table.add_row(les.id, s.lesson.title, f"{s.lesson.stem}.py / .ipynb",
                      str(len(s.checks)), str(s.max_score))
    Console().print(table)
    if broken:
        raise SpecError("\n".join(str(e) for e in broken))


@main.command("check-course")
@click.argument("lessons", nargs=-1)
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the inputs (default: fresh; printed).")
@click.option("--sandbox", type=click.Choice(SANDBOXES), default="auto", show_default=True,
              help="Where the reference and the stub run.")
def check_course_cmd(lessons: tuple[str, ...], seed: int | None, sandbox: str) -> None:
    """Check the course itself (course authors and CI): every lesson, or LESSONS.

    \b
    For each lesson: the spec validates with everything it refers to (the stub's and the
    reference's functions, harness helpers, $names, datasets, the quiz key, mistake
    files), the reference scores full marks and the stub scores zero on a fresh seed.
    Exits 3 when any lesson fails, listing what is wrong.
    """
    import secrets  # noqa: PLC0415

    from grader.course.lessons import all_lessons, get_lesson  # noqa: PLC0415
    from grader.delivery.check_course import check_course  # noqa: PLC0415
    from grader.errors import SpecError  # noqa: PLC0415

    chosen = [get_lesson(i) for i in lessons] if lessons else \
        [les for les in all_lessons() if not les.is_public]
    seed = secrets.randbits(31) if seed is None else seed
    click.echo(f"checking {len(chosen)} lesson(s) with seed {seed}", err=True)

    def show(r: Any) -> None:
        mark = "ok  " if r.ok else "FAIL"
        click.echo(f"{mark} {r.lesson}: reference {r.reference or '-'}, stub {r.stub or '-'}")
        for p in r.problems:
            click.echo("     " + p.replace("\n", "\n     "))

    results = check_course(chosen, seed=seed, sandbox=sandbox, on_done=show)
    bad = [r.lesson for r in results if not r.ok]
    if bad:
        raise SpecError(f"{len(bad)} lesson(s) of {len(results)} are broken: {', '.join(bad)}")
    click.echo(f"all {len(results)} lesson(s) sound")


@main.command("report")
@click.argument("results", nargs=-1, required=False,
                type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("report.html"), show_default=True, help="The HTML page to write.")
@click.option("--database", "database", metavar="URL", default=None,
              help="Also read the grading service's results from this PostgreSQL: every "
                   "graded attempt, with when it was made.")
@click.option("--service", "service", is_flag=True,
              help="Read the grading service's results from the database `grade serve` "
                   "uses: DATABASE_URL, else the embedded one in --data.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="The embedded database's folder (with --service, without "
                                 "DATABASE_URL; default: the user's data folder).")
@click.option("--lesson", "lessons", multiple=True, metavar="ID",
              help="Only this lesson (repeat for several; default: every lesson).")
@click.option("--per-student", "per_student", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Also write DIR/<student>.md and .html: each student's "
                                 "checks, messages and named mistakes, ready to hand back "
                                 "(DIR/index.json: each student's files).")
@click.option("--title", default=None, help="The page's title (default: the lessons').")
def report_cmd(results: tuple[Path, ...], output: Path, database: str | None, service: bool,
               data_dir: Path | None, lessons: tuple[str, ...], per_student: Path | None,
               title: str | None) -> None:
    """Write the class report of RESULTS (grade batch's grades-LESSON.jsonl files) or of
    the grading service's database (--database URL, --service).

    \b
    One self-contained HTML page: no script, no external load (its Content-Security-
    Policy forbids them), so it opens from disk or as an e-mail attachment. Per lesson:
    score histogram and summary statistics; each check's pass rate and discrimination
    (flagging checks almost nobody passes or that say nothing about the total); the most
    frequent named mistakes, with what students were told and who; statuses (timeouts,
    crashes, unreadable files, grader errors) and grading times; when students made
    several attempts (the service keeps them all), attempts per student and a timeline
    of attempts and of the class's best-so-far mean score. Several lessons give one page
    with a module summary.
    """
    from grader.report.class_report import (  # noqa: PLC0415
        INDEX,
        render_report,
        write_per_student,
    )
    from grader.report.class_stats import ReportInputError, read_rows  # noqa: PLC0415

    if not results and database is None and not service:
        raise UsageProblem("give result files (grade batch's grades-LESSON.jsonl), "
                           "--database URL or --service")
    if data_dir is not None and not service:
        raise UsageProblem("--data names the embedded database read with --service")
    _check_writable(output)
    sources = [p.name for p in results]
    try:
        rows = read_rows(results, warn=lambda why: click.echo(f"warning: {why}", err=True))
        if lessons:
            rows = [r for r in rows if r["lesson"] in lessons]
        if results and not rows and database is None and not service:
            which = f" of lesson(s) {', '.join(lessons)}" if lessons else ""
            raise ReportInputError(f"no results{which} in {', '.join(map(str, results))}")
    except ReportInputError as e:
        raise UsageProblem(str(e)) from None
    if database is not None or service:
        from grader.service.export import (  # noqa: PLC0415
            rows_from_database,
            service_database_url,
        )

        rows += rows_from_database(service_database_url(database, data_dir), lessons)
        sources.append("the grading service's database")
    _write(output, render_report(rows, sources=", ".join(sources), title=title))
    click.echo(f"wrote {output} ({len(rows)} result(s), "
               f"{len({r['student'] for r in rows})} student(s))")
    if per_student is not None:
        files = write_per_student(rows, per_student)
        click.echo(f"wrote {len(files)} feedback file(s) in {per_student} (which file is "
                   f"whose: {per_student / INDEX})")


@main.command("sync-notebooks")
@click.option("--check", is_flag=True, help="Only report notebooks out of date (exit 1).")
def sync_notebooks_cmd(check: bool) -> None:
    """Regenerate each assignment's .ipynb from its .py stub (course authors)."""
    from grader.course.lessons import all_lessons  # noqa: PLC0415
    from grader.course.notebooks import sync  # noqa: PLC0415

    stale = []
    for les in all_lessons():
        stub = les.stub_path
        if stub.is_file() and not sync(stub, check=check):
            stale.append(str(stub.with_suffix(".ipynb")))
    for s in stale:
        click.echo(("out of date: " if check else "wrote ") + s)
    if check and stale:
        sys.exit(1)


@main.command("release")
@click.argument("lessons", nargs=-1)
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, file_okay=False),
              required=True, help="New folder to write the release into.")
@click.option("--seed", "seed_base", type=click.IntRange(0, 2**31 - 1), default=0,
              show_default=True, help="Changes every lesson's fixed public inputs (per term).")
def release_cmd(lessons: tuple[str, ...], out: Path, seed_base: int) -> None:
    """Build the student release of LESSONS (ids like 2.3, or modules like 2; default all).

    \b
    The release holds exercise texts, stubs, notebooks, the grader, and each lesson's
    public checks (its `visible` checks that need only stored data) with expected outputs
    computed by the reference on fixed inputs. No reference code, known-mistake code,
    quiz key, hidden check or held-out data goes in. In the release, `grade 2.3` grades
    the public checks and says that the hidden ones run on submission.
    """
    from grader.course.lessons import all_lessons, course_root  # noqa: PLC0415
    from grader.delivery.release import build_release, select_lessons  # noqa: PLC0415

    root = course_root()
    available = [les for les in all_lessons(root) if not les.is_public]
    if not available:
        raise click.UsageError(f"{root} holds no reference/: a release is built from the "
                               "course repository, not from another release")
    try:
        chosen = select_lessons(available, lessons)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    if out.exists() and any(out.iterdir()):
        raise click.UsageError(f"{out} exists and is not empty; choose a new folder")
    if out.exists():
        out.rmdir()
    lines = build_release(root, chosen, out, seed_base=seed_base,
                          on_progress=lambda m: click.echo(m, err=True))
    for line in lines:
        click.echo(line)
    click.echo(f"release written to {out}")


@main.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of the result of `grade LESSON --format json`."""

    from grader.results import GradeResult  # noqa: PLC0415

    click.echo(json.dumps(GradeResult.model_json_schema(), indent=2))


@main.group("gradescope")
def gradescope_group() -> None:
    """Gradescope: build an autograder zip; run it (what its run_autograder calls).

    \b
    grade gradescope build 1.2 -o autograder.zip   one lesson
    grade gradescope build 1 -o autograder.zip     every lesson of module 1
    """


@gradescope_group.command("build")
@click.argument("lessons", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("autograder.zip"), show_default=True, help="The zip to write.")
def gradescope_build_cmd(lessons: tuple[str, ...], output: Path) -> None:
    """Build the Gradescope autograder zip of LESSONS (ids like 1.2, or modules like 1).

    \b
    The zip holds setup.sh (a Python venv with the CPU torch pinned by constraints.txt
    and the grader), run_autograder, the grader, and each lesson's reference/<id>/ and
    assignments/<id>/. Each submission's <stem>.py or <stem>.ipynb is graded; results.json
    has one test per check, with the visibility its spec gives.
    """
    from grader.course.lessons import course_root  # noqa: PLC0415
    from grader.delivery.gradescope import build_zip, select  # noqa: PLC0415

    root = course_root()
    chosen = select(lessons, root)
    names = build_zip(chosen, output, root)
    points = sum(les.spec.max_score for les in chosen)
    click.echo(f"wrote {output}: lessons {', '.join(les.id for les in chosen)} "
               f"({points} points), {len(names)} files")


@gradescope_group.command("run")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              envvar="GRADESCOPE_ROOT", default=Path("/autograder"), show_default=True,
              help="Gradescope's folder (source/, submission/, results/); env GRADESCOPE_ROOT.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed for the inputs (default: fresh for each submission).")
@click.option("--sandbox", type=click.Choice(SANDBOXES), default="auto",
              show_default=True, help="Where the submission runs.")
def gradescope_run_cmd(root: Path, seed: int | None, sandbox: str) -> None:
    """Grade ROOT/submission with the autograder in ROOT/source; write ROOT/results/results.json.

    Always writes a result (score 0 and a message when there is no file to grade).
    """
    from grader.delivery.gradescope import run_in_layout  # noqa: PLC0415

    if not (root / "source").is_dir():
        raise click.UsageError(f"{root / 'source'} does not exist: --root (or GRADESCOPE_ROOT) "
                               "names the folder that holds source/, submission/ and results/")
    try:
        results = run_in_layout(root, seed=seed, sandbox=sandbox, say=click.echo)
    except OSError as e:
        raise GraderFault(f"cannot write {root / 'results' / 'results.json'}: "
                          f"{e.strerror}") from None
    total = sum(t.max_score for t in results.tests)
    click.echo(f"score {results.score}/{total}; wrote {root / 'results' / 'results.json'}")


@main.command("batch")
@click.argument("lesson")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("-o", "--output", "results", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="JSON-lines results file (default: FOLDER/grades-LESSON.jsonl; "
                                 "with --shard, FOLDER/grades-LESSON.shards/shard-I.jsonl).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Submissions graded at once (one warm worker each; from 32 submissions "
                   "on, in as many grading processes).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "process", "docker"]),
              default="auto", show_default=True, help="Where the submissions run.")
@click.option("--cold", is_flag=True, help="A fresh sandboxed Python per submission instead of "
              "warm workers (slower; for comparison).")
@click.option("--again", is_flag=True, help="Grade every student again, even those already "
              "in the results file (which is kept until the new run is complete, then "
              "replaced; an interrupted --again resumes with the same command).")
@click.option("--shard", default=None, metavar="I/K",
              help="Grade only the I-th of K disjoint shards of the class (0-based; a student "
                   "is always in the same shard): what each task of `grade slurm` runs.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed the whole batch: each student's inputs come from this seed and their "
                   "name, the same wherever they are graded (default: fresh per student).")
def batch_cmd(lesson: str, folder: Path, results: Path | None, jobs: int, sandbox: str,
              cold: bool, again: bool, shard: str | None, seed: int | None) -> None:
    """Grade every submission of LESSON in FOLDER (instructors).

    \b
    FOLDER holds one folder per student with the lesson's file inside
    (FOLDER/alice/linear_regression.py), or one file per student (FOLDER/alice.ipynb).
    Each result is appended to the results file as soon as it is ready, so an interrupted
    run loses nothing; running again skips the students already graded (--again to redo:
    its run is written to RESULTS.again and replaces the results file once complete).
    A student with several submissions (alice.py beside alice/) is recorded as
    `ambiguous`, not graded. A summary CSV (student, status, score, ...) is written beside
    it (not for a shard: `grade merge` writes the class's).
    """
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    from grader.course.lessons import get_lesson  # noqa: PLC0415
    from grader.delivery.batch import (  # noqa: PLC0415
        NOT_A_RESULT,
        already_graded,
        find_submissions,
        grade_batch,
        parse_shard,
        read_latest,
        shard_of,
        shard_path,
        write_summary,
    )

    les = get_lesson(lesson)
    les.spec  # noqa: B018 - a broken spec stops here, before any student is graded
    part = parse_shard(shard) if shard else None
    if results is None:
        results = shard_path(folder, les.id, part[0]) if part else \
            folder / f"grades-{les.id}.jsonl"
        results.parent.mkdir(parents=True, exist_ok=True)
    _check_writable(results)
    subs, problems = find_submissions(folder, les.spec.lesson.stem, stubs=les.stub_files)
    err = Console(stderr=True, soft_wrap=True)  # paths and names unbroken
    if part:
        subs = [s for s in subs if shard_of(s.student, part[1]) == part[0]]
        problems = [p for p in problems if shard_of(p.split(":")[0], part[1]) == part[0]]
        err.print(f"shard {part[0]}/{part[1]}: {len(subs)} submission(s)")
    for p in problems:
        err.print(f"[yellow]skipped[/yellow] {p}")
    # --again grades into RESULTS.again, beside the results it replaces once complete: an
    # interrupted --again leaves them whole (and the CSV true), and resumes
    target, pending = results, results.with_name(results.name + ".again")
    if again and (target.exists() or pending.exists()):
        if pending.exists():
            err.print(f"resuming the unfinished --again run in {pending} (delete it to start "
                      "over)")
        results = pending
        results.touch()
    elif pending.exists():
        err.print(f"[yellow]note[/yellow]: an unfinished --again run is in {pending}: run "
                  "with --again to finish it (or delete it)")
    done = already_graded(results)
    todo = [s for s in subs if s.student not in done]
    if done:
        err.print(f"{len(done)} already graded in {results}; grading the other {len(todo)}")
    faults = 0
    warned = False
    try:
        with _stop_on_sigterm(), Progress(console=err, transient=False) as progress:
            task = progress.add_task(f"lesson {les.id}", total=len(todo))
            for row in grade_batch(les, todo, results, jobs=jobs, sandbox=sandbox,
                                   warm=not cold, seed=seed):
                progress.advance(task)
                if row.get("isolation_warning") and not warned:  # once, loudly
                    warned = True
                    err.print(f"[bold red]WARNING: grading is not isolated:[/bold red] "
                              f"{row['isolation_warning']}")
                if "error" in row:
                    faults += row.get("status") == "grader_error"
                    err.print(f"[red]{row['student']}[/red]: {row['error']}")
    except KeyboardInterrupt:
        if results != target:
            click.echo(f"stopped: {target} is unchanged (the previous results); this run's "
                       f"results so far are in {results}; the same command (with --again) "
                       f"grades the rest, then replaces {target.name}", err=True)
        else:
            click.echo(f"stopped: every result so far is in {results}; the same command "
                       "grades the rest", err=True)
        raise click.exceptions.Exit(EXIT_STOPPED) from None
    if results != target:  # the new run is complete: it replaces the previous one
        with results.open("rb") as f:
            os.fsync(f.fileno())
        results.replace(target)
        results = target
    rows = read_latest(results)
    graded = [r for r in rows.values() if r.get("status") not in NOT_A_RESULT]
    mean = sum(r.get("score", 0) for r in graded) / len(graded) if graded else 0.0
    summary = ""
    if not part:
        write_summary(rows, results.with_suffix(".csv"))
        summary = f"; summary: {results.with_suffix('.csv')}"
    click.echo(f"{len(graded)} graded, mean {mean:.1f}/{les.spec.max_score}; results: "
               f"{results}{summary}")
    if faults:
        raise GraderFault(f"the grader failed on {faults} submission(s) (status grader_error "
                          f"in {results}); they are not graded: fix and run again to grade "
                          "just them")


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (a cluster's notice before it ends or requeues a task: `grade slurm` asks
    for it a minute ahead) stops a batch as Ctrl-C does: the gradings under way finish and
    are written, no other starts, the workers stop and their folders are removed."""

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command("merge")
@click.argument("lesson")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--shards", type=click.IntRange(1, 10000), required=True,
              help="How many shards the class was graded in.")
@click.option("--report/--no-report", default=True, show_default=True,
              help="Also write FOLDER/report-LESSON.html (grade report).")
def merge_cmd(lesson: str, folder: Path, shards: int, report: bool) -> None:
    """Merge the shard results of LESSON in FOLDER (what `grade slurm`'s last job runs).

    Writes FOLDER/grades-LESSON.jsonl (one row per student: their latest result), its
    summary CSV and, by default, the class report. Safe to run again: it only reads the
    shards. Exits 3 when a shard is missing or a student has no result.
    """
    from grader.course.lessons import get_lesson  # noqa: PLC0415
    from grader.delivery.batch import (  # noqa: PLC0415
        find_submissions,
        merge_results,
        shard_path,
        write_summary,
    )

    les = get_lesson(lesson)
    parts = [shard_path(folder, les.id, i) for i in range(shards)]
    out = folder / f"grades-{les.id}.jsonl"
    rows = merge_results(parts, out)
    write_summary(rows, out.with_suffix(".csv"))
    click.echo(f"merged {len(parts)} shard(s): {len(rows)} student(s) in {out}")
    if report and rows:
        from grader.report.class_report import render_report  # noqa: PLC0415

        page = folder / f"report-{les.id}.html"
        _write(page, render_report(list(rows.values()), sources=out.name))
        click.echo(f"wrote {page}")
    missing = [p.name for p in parts if not p.is_file()]
    subs, _ = find_submissions(folder, les.spec.lesson.stem, stubs=les.stub_files)
    ungraded = sorted({s.student for s in subs} - set(rows))
    if missing or ungraded:
        raise ShardsIncomplete(
            (f"missing shard file(s): {', '.join(missing)}; " if missing else "")
            + (f"{len(ungraded)} student(s) without a result: {', '.join(ungraded[:10])}"
               if ungraded else "") + " (run the shards again: they resume)")


@main.command("slurm")
@click.argument("lesson")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--shards", type=click.IntRange(1, 10000), required=True,
              help="Array tasks: the class is cut into this many stable shards.")
@click.option("--partition", default=None, help="Slurm partition (default: the cluster's).")
@click.option("--time", "time_limit", default="01:00:00", show_default=True,
              help="Time limit of each array task (Slurm's --time).")
@click.option("--cpus-per-task", type=click.IntRange(1, 256), default=2, show_default=True,
              help="CPUs per task; also the warm workers per task.")
@click.option("--gpus-per-task", type=click.IntRange(0, 16), default=0, show_default=True,
              help="GPUs per task (course GPUs are often a Slurm partition).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "process", "docker"]),
              default="auto", show_default=True, help="Where the submissions run.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None,
              help="Seed the batch (see grade batch --seed); default: one drawn now.")
@click.option("--dry-run", is_flag=True, help="Print the two scripts; submit nothing.")
def slurm_cmd(lesson: str, folder: Path, shards: int, partition: str | None,
              time_limit: str, cpus_per_task: int, gpus_per_task: int, sandbox: str,
              seed: int | None, dry_run: bool) -> None:
    """Grade LESSON's class in FOLDER on a Slurm cluster: a job array and a merge job.

    \b
    Writes FOLDER/slurm-LESSON/grade.sbatch, an array job (--requeue, --signal=TERM@60)
    whose task i runs `grade batch LESSON FOLDER --shard i/K` on warm workers, and
    merge.sbatch, which runs `grade merge` after every task has ended (afterany):
    FOLDER/grades-LESSON.jsonl, its CSV and report-LESSON.html. A task that is killed or
    requeued loses nothing: its shard resumes where it stopped.
    """
    import secrets  # noqa: PLC0415

    from grader.course.lessons import get_lesson  # noqa: PLC0415
    from grader.delivery.slurm import SlurmJob, submit, write_scripts  # noqa: PLC0415

    les = get_lesson(lesson)
    les.spec  # noqa: B018 - a broken spec stops here, before anything is submitted
    job = SlurmJob(lesson=les.id, folder=folder.resolve(), shards=shards, partition=partition,
                   time=time_limit, cpus_per_task=cpus_per_task, gpus_per_task=gpus_per_task,
                   sandbox=sandbox, seed=secrets.randbits(31) if seed is None else seed)
    array, merge = write_scripts(job)
    if dry_run:
        click.echo(f"# {array}\n{array.read_text()}\n# {merge}\n{merge.read_text()}")
        return
    array_id, merge_id = submit(array, merge)
    click.echo(f"submitted array job {array_id} ({shards} task(s)) and merge job {merge_id}; "
               f"results will be in {folder / f'grades-{les.id}.jsonl'}")


# ------------------------------------------------------------------ the grading service

@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="The embedded database's folder (default: under the user's "
                                 "data folder); unused with DATABASE_URL.")
@click.option("--workers", type=click.IntRange(0, 64), default=1, show_default=True,
              help="Worker processes started with the API (0: API only).")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Submissions each worker grades at once (warm sandbox workers).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "docker", "process"]),
              default="auto", show_default=True, help="Where the workers run submissions.")
@click.option("--allow-process", is_flag=True,
              help="Let workers grade in the process sandbox (no isolation from the machine).")
def serve_cmd(host: str, port: int, data_dir: Path | None, workers: int, jobs: int,
              sandbox: str, allow_process: bool) -> None:
    """Run the grading service: API, database and workers, in one command.

    \\b
    Without DATABASE_URL a private PostgreSQL starts in --data (one command on a laptop);
    with it, any PostgreSQL server, shared by servers and `grade worker`s on many
    machines. Stops cleanly on SIGTERM or Ctrl-C.
    """
    from grader.service.server import serve  # noqa: PLC0415
    from grader.service.settings import ServiceSettings  # noqa: PLC0415

    settings = ServiceSettings.from_env(data_dir=data_dir)
    serve(settings, host=host, port=port, workers=workers, jobs=jobs, sandbox=sandbox,
          allow_process=allow_process, say=lambda m: click.echo(m, err=True))


@main.command("worker")
@click.option("--queue", type=click.Choice(["cpu", "gpu"]), default="cpu", show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Submissions graded at once (warm sandbox workers).")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "docker", "process"]),
              default="auto", show_default=True)
@click.option("--gpu", is_flag=True, help="This machine's GPU is for grading: needed to "
                                          "serve the gpu queue.")
@click.option("--allow-process", is_flag=True,
              help="Accept the process sandbox (no isolation from this machine).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="The embedded database's folder, without DATABASE_URL.")
def worker_cmd(queue: str, jobs: int, sandbox: str, gpu: bool, allow_process: bool,
               data_dir: Path | None) -> None:
    """Grade submissions from the service's queue (DATABASE_URL names the database)."""
    from grader.sandbox import get_backend  # noqa: PLC0415
    from grader.service.embedded import database_url  # noqa: PLC0415
    from grader.service.settings import ServiceSettings  # noqa: PLC0415
    from grader.service.worker import run_worker  # noqa: PLC0415

    if queue == "gpu" and not gpu:
        raise UsageProblem("the gpu queue is served only by a worker started with --gpu")
    if get_backend(sandbox).name == "process" and not allow_process:
        raise UsageProblem("this worker would grade in the process sandbox, which does not "
                           "isolate submissions from this machine: install bubblewrap or "
                           "Docker, or pass --allow-process")
    settings = ServiceSettings.from_env(data_dir=data_dir)
    run_worker(settings, database_url(settings.database_url, settings.data_dir), queue=queue,
               jobs=jobs, sandbox=sandbox)


@main.group("token")
def token_group() -> None:
    """Make tokens for the grading service (instructors)."""


@token_group.command("create")
@click.option("--role", type=click.Choice(["student", "instructor", "course"]), required=True)
@click.option("--name", required=True, help="Who it is for (a student's name for a student).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="The embedded database's folder, without DATABASE_URL.")
def token_create_cmd(role: str, name: str, data_dir: Path | None) -> None:
    """Make a token; it is printed on the last line, once (only its hash is kept)."""
    from sqlalchemy.orm import Session  # noqa: PLC0415

    from grader.service.database import make_engine, migrate  # noqa: PLC0415
    from grader.service.embedded import database_url  # noqa: PLC0415
    from grader.service.settings import ServiceSettings  # noqa: PLC0415
    from grader.service.tokens import create_token  # noqa: PLC0415

    settings = ServiceSettings.from_env(data_dir=data_dir)
    url = database_url(settings.database_url, settings.data_dir)
    migrate(url)
    with Session(make_engine(url)) as s, s.begin():
        token = create_token(s, name, role)
    click.echo(f"{role} token for {name} (shown once; keep it secret):", err=True)
    click.echo(token)


@main.command("submit")
@click.argument("lesson")
@click.argument("submission", required=False, type=click.Path(path_type=Path))
@click.option("--server", envvar="GRADE_SERVER", required=True,
              help="The service's address (env GRADE_SERVER).")
@click.option("--token", default=None, help="Your token (default: $GRADE_TOKEN or the token "
                                            "file in your config folder).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def submit_cmd(lesson: str, submission: Path | None, server: str, token: str | None,
               fmt: str) -> None:
    """Submit SUBMISSION for LESSON to a grading service and print its report."""
    from rich.console import Console  # noqa: PLC0415

    from grader.service.client import find_token, submit  # noqa: PLC0415

    if submission is None:
        from grader.course.lessons import get_lesson  # noqa: PLC0415

        submission = _find_submission(get_lesson(lesson), None)
    err = Console(stderr=True)
    with err.status(f"submitting {submission.name}…") as status:
        sub = submit(server, find_token(token), lesson, submission,
                     on_status=lambda s: status.update(f"{submission.name}: {s}…"))
    if sub["status"] != "graded" or not sub.get("result"):
        raise GraderFault(f"submission {sub['id']}: {sub['status']}: {sub.get('error')}")
    from grader.results import GradeResult  # noqa: PLC0415

    result = GradeResult.model_validate(sub["result"])
    if fmt == "json":
        from grader.report.json_report import render_json  # noqa: PLC0415

        click.echo(render_json(result))
    else:
        from grader.report.terminal import render_terminal  # noqa: PLC0415

        render_terminal(result, Console())

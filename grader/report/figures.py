"""Figures of the class report as inline SVG text: matplotlib, made deterministic (a fixed
hash salt for element ids, no date in the metadata), so the same results give the same
page byte for byte."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    import matplotlib  # noqa: PLC0415 - plotting only when a report is made

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # noqa: PLC0415

    matplotlib.rcParams["svg.hashsalt"] = "grade-report"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small and searchable
    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot()


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.tight_layout()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]  # without the XML prolog: it sits inside HTML


def score_histogram(scores: list[int], max_score: int) -> str:
    """Students per score, 0..max_score."""
    fig, ax = _figure(6.4, 2.6)
    counts = [0] * (max_score + 1)
    for s in scores:
        counts[min(max(int(s), 0), max_score)] += 1
    ax.bar(range(max_score + 1), counts, color="#2f5f93", width=0.8)
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_xlim(-0.6, max_score + 0.6)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig)


def duration_histogram(durations: list[float]) -> str:
    """Grading time per submission, in seconds."""
    fig, ax = _figure(6.4, 2.2)
    ax.hist(durations, bins=min(20, max(1, len(durations))), color="#5c5c5c")
    ax.set_xlabel("seconds per submission")
    ax.set_ylabel("submissions")
    return _svg(fig)

"""Figures of the class report as inline SVG text: matplotlib, made deterministic (a fixed
hash salt for element ids, no date in the metadata), so the same results give the same
page byte for byte."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _blank(width: float, height: float) -> Figure:
    import matplotlib  # noqa: PLC0415 - plotting only when a report is made

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # noqa: PLC0415

    matplotlib.rcParams["svg.hashsalt"] = "grade-report"
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small and searchable
    return Figure(figsize=(width, height), dpi=100)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    fig = _blank(width, height)
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


def attempts_histogram(counts: dict[int, int]) -> str:
    """Students per number of attempts."""
    fig, ax = _figure(6.4, 2.2)
    top = max(counts) if counts else 1
    ax.bar(range(1, top + 1), [counts.get(k, 0) for k in range(1, top + 1)],
           color="#2f5f93", width=0.8)
    ax.set_xlabel("attempts")
    ax.set_ylabel("students")
    ax.set_xlim(0.4, top + 0.6)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _svg(fig)


MAX_TICKS = 10


def timeline_figure(labels: list[str], submissions: list[int], best_mean: list[float],
                    max_score: int, unit: str) -> str:
    """Attempts per bucket (bars, above) and the class's best-so-far mean score (below),
    on one axis of buckets: plain positions labelled with their dates (no date locator,
    so the SVG depends on nothing but the numbers)."""
    fig = _blank(6.4, 4.2)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.2])
    xs = list(range(len(labels)))
    top.bar(xs, submissions, color="#5c5c5c", width=0.8)
    top.set_ylabel(f"attempts per {unit}")
    top.yaxis.get_major_locator().set_params(integer=True)
    bottom.plot(xs, best_mean, color="#2f5f93", marker="o" if len(xs) <= 40 else "",
                markersize=3, linewidth=1.8)
    bottom.set_ylim(0, max(max_score, 1) * 1.05)
    bottom.set_ylabel("best-so-far mean")
    bottom.set_xlabel(f"{unit} (UTC)")
    step = max(1, -(-len(xs) // MAX_TICKS))
    ticks = xs[::step]
    bottom.set_xticks(ticks, [labels[i] for i in ticks], rotation=30, ha="right",
                      fontsize=8)
    bottom.set_xlim(-0.6, len(xs) - 0.4)
    return _svg(fig)

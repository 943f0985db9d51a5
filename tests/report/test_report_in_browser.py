"""The class report in a real headless Chromium: every section is there (the attempts and
timeline section where students made several attempts), no console error, no request
leaves the page; a screenshot is kept as a test artifact.

Needs Debian's ``chromium`` (``.ci/run`` installs it) and the ``playwright`` package
(driven with the system browser; it never downloads one). Skips with the reason where
either is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.report.class_report import render_report
from tests.report import fixture_class

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("GRADER_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "test-artifacts"))
# as root Chromium needs --no-sandbox; the rest keeps it from calling out at start-up
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_the_report_renders_with_no_error_and_no_request(browser, tmp_path) -> None:
    # lesson 1.2 with several attempts per student (the timeline), 1.3 with one each
    rows = fixture_class.attempt_rows()
    rows += [{**r, "lesson": "1.3", "title": "Batch vs stochastic"}
             for r in fixture_class.rows()]
    page_file = tmp_path / "report.html"
    page_file.write_text(render_report(rows), encoding="utf-8")
    url = page_file.as_uri()

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    page.wait_for_load_state("load")

    assert errors == []
    assert requests == [url], requests  # the file itself, nothing else
    for lesson in ("1.2", "1.3"):
        for section in ("scores", "checks", "mistakes", "status"):
            assert page.locator(f"[id='lesson-{lesson}'] section.{section}").count() == 1
    assert page.locator("[id='lesson-1.2'] svg").count() == 4
    assert page.locator("[id='lesson-1.2'] section.attempts figure.timeline svg").count() == 1
    assert page.locator("[id='lesson-1.2'] section.attempts").is_visible()
    assert page.locator("[id='lesson-1.3'] svg").count() == 2
    assert page.locator("[id='lesson-1.3'] section.attempts").count() == 0
    assert page.locator("#module-summary table tbody tr").count() == 2
    assert page.locator("[data-stat='n']").first.inner_text() == "10"  # jon's retry counts
    assert page.locator("[id='lesson-1.2'] [data-stat='best_mean_final']").inner_text() == "7.5"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "class-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()

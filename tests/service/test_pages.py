"""The service's pages in a real headless Chromium against a real `grade serve` (embedded
PostgreSQL, a real worker): a student signs in, uploads a correct and a wrong 1.2, sees
20/20 and the named mistake; another student cannot see them (page and API); the
instructor sees both in the gradebook and downloads the CSV; bad input gets a message and
changes nothing; no page makes an external request. Screenshots are kept as artifacts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import ROOT, counts, make_token
from tests.service.test_workers import _free_port, _server, _stop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("GRADER_TEST_ARTIFACTS", ROOT / "test-artifacts"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REFERENCE = (ROOT / "reference" / "1.2" / "solution.py").read_text()
WRONG = REFERENCE + "\n\n" + (ROOT / "reference" / "1.2" / "mistakes" / "sign_error.py").read_text()

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"service-{name}.png"), full_page=True)


def test_students_and_instructor_in_a_real_browser(browser, db: str, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _server(db, port, workers=1)
    ada, ben = make_token(db, "ada"), make_token(db, "ben")
    teacher = make_token(db, "teacher", "instructor")
    correct, wrong, bad = tmp_path / "lr.py", tmp_path / "wrong.py", tmp_path / "notes.txt"
    correct.write_text(REFERENCE)
    wrong.write_text(WRONG)
    bad.write_text("hello")
    outside: list[str] = []
    errors: list[str] = []

    def new_page():
        ctx = browser.new_context(accept_downloads=True)
        page = ctx.new_page()
        page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        # (the 401/403/404 answers this test asks for show as "Failed to load resource")
        page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                and not m.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return ctx, page

    def sign_in(page, token: str) -> None:
        page.goto(base + "/")
        page.get_by_label("Your token").fill(token)
        page.get_by_role("button", name="Sign in").click()

    def upload(page, path: Path) -> None:
        page.get_by_label("Lesson").select_option("1.2")
        page.get_by_label("Your file").set_input_files(str(path))
        page.get_by_role("button", name="Submit for grading").click()

    try:
        ctx, page = new_page()
        page.goto(base + "/")
        _shot(page, "signin")
        sign_in(page, ada[:-3] + "abc")  # a wrong token
        assert "not valid" in page.content()
        sign_in(page, ada)
        upload(page, correct)
        page.wait_for_selector("text=Score:", timeout=180_000)
        assert "20/20" in page.inner_text(".score")
        first = page.url
        _shot(page, "result")
        page.goto(base + "/")
        upload(page, wrong)
        page.wait_for_selector("text=Score:", timeout=180_000)
        assert "20/20" not in page.inner_text(".score")
        assert "Looks like: Sign error" in page.inner_text("main")
        _shot(page, "feedback")
        before = counts(db)
        page.goto(base + "/")
        upload(page, bad)
        assert "expected a .py file or a .ipynb notebook" in page.inner_text(".error")
        assert counts(db) == before
        page.goto(base + "/")
        assert page.locator("table tbody tr").count() == 2
        _shot(page, "history")
        ctx.close()

        ctx, page = new_page()
        sign_in(page, ben)
        resp = page.goto(first)
        assert resp is not None and resp.status == 404 and "Not found" in page.content()
        sid = first.rsplit("/", 1)[1]
        api = httpx.get(f"{base}/submissions/{sid}", headers={"Authorization": f"Bearer {ben}"})
        assert api.status_code == 404
        assert page.goto(base + "/instructor").status in (401, 403)
        ctx.close()

        ctx, page = new_page()
        sign_in(page, teacher)
        page.wait_for_url(base + "/instructor")
        assert "ada" in page.inner_text("table")
        _shot(page, "gradebook")
        with page.expect_download() as dl:
            page.get_by_text("Download CSV").click()
        csv_text = Path(dl.value.path()).read_text()
        assert csv_text.splitlines()[0] == "student,lesson,latest,best,attempts"
        assert any(line.startswith("ada,1.2,") and line.endswith(",2")
                   for line in csv_text.splitlines())
        page.goto(base + "/instructor/queue")
        _shot(page, "queue")
        page.goto(base + "/instructor/student/ada")
        assert "Sign error" in page.inner_text("table")
        page.goto(base + "/instructor/report/1.2")
        assert page.locator("section.checks").count() == 1
        _shot(page, "report")
        ctx.close()
    finally:
        _stop(server)
    assert outside == [], outside
    assert errors == [], errors

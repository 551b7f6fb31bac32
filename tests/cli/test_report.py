"""``goalsync report --html``: a self-contained page with charts, timeline and journal."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.core.model import Block
from syncer.state import STATE_FILE, State
from tests.helpers.home import isolate_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "career.yaml"
NOW = "2026-12-01T12:00:00+00:00"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    with State.open(tmp_path / "state" / STATE_FILE) as state:
        state.begin_run(datetime(2026, 11, 1, tzinfo=UTC))
        state.end_run(datetime(2026, 11, 1, 0, 1, tzinfo=UTC), {})
        state.record_completion("pmp/course/research", datetime(2026, 11, 10, tzinfo=UTC))
        state.record_completion("pmp/course/budget", datetime(2026, 11, 12, tzinfo=UTC))
        state.save_planned_blocks([
            Block("pmp/course/research", datetime(2026, 11, 9, 9, tzinfo=UTC),
                  datetime(2026, 11, 9, 11, tzinfo=UTC)),
            Block("pmp/course/enroll", datetime(2026, 11, 20, 9, tzinfo=UTC),
                  datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
            Block("pmp/course/modules-1-4", datetime(2026, 12, 5, 9, tzinfo=UTC),
                  datetime(2026, 12, 5, 11, tzinfo=UTC)),
        ], datetime(2026, 11, 1, tzinfo=UTC))
        state.record_review_answer(datetime(2026, 11, 22, 18, tzinfo=UTC), "weekly", None,
                                   None, "What went well, and what will I change?",
                                   "Research done <early> & cheap")
        state.record_metric("pmp", 64, datetime(2026, 11, 22, 18, tzinfo=UTC))
    return tmp_path


def write(home: Path) -> Path:
    out = home / "report.html"
    result = CliRunner().invoke(cli, ["report", str(EXAMPLE), "--html", str(out),
                                      "--offline", "--now", NOW])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return out


class _Tags(HTMLParser):
    VOID = {"meta", "br", "img", "input", "link", "hr", "rect", "line", "polyline",
            "polygon", "circle", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def test_report_is_self_contained_and_well_formed(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page and "url(" not in page
    assert not re.search(r"(src|href)=", page)
    without_ns = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in without_ns and "https://" not in without_ns
    tags = _Tags()
    tags.feed(page)
    tags.close()
    assert tags.stack == []


def test_report_has_a_burnup_and_timeline_per_goal(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    goals = re.findall(r'<section class="goal" id="goal-([a-z0-9-]+)"', page)
    assert goals[:1] == ["pmp"] and len(goals) >= 3
    assert page.count('aria-label="Burn-up chart for') == len(goals)
    assert page.count('aria-label="Milestone timeline for') >= 1
    assert page.count('class="actual"') == len(goals)
    assert 'class="expected"' in page
    assert "exam score <b>64 / 80%</b>" in page


def test_report_shows_the_journal_escaped(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert "Research done &lt;early&gt; &amp; cheap" in page
    assert "<early>" not in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package "
                    "chromium); the report's rendering is checked where it is")
def test_report_renders_in_headless_chromium(home: Path) -> None:
    page = write(home)
    shot = home / "report.png"
    # a fresh profile, and no background traffic: the page is local and so is the test
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-extensions",
         f"--user-data-dir={home / 'chromium-profile'}",
         "--window-size=1000,2400", f"--screenshot={shot}", page.as_uri()],
        check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_report_to_a_missing_folder_is_a_sentence_not_a_traceback(home: Path) -> None:
    out = home / "no-such-folder" / "report.html"
    result = CliRunner().invoke(cli, ["report", str(EXAMPLE), "--html", str(out),
                                      "--offline", "--now", NOW])
    assert result.exit_code == 2
    assert "cannot write the report to" in result.output and "No such file" in result.output

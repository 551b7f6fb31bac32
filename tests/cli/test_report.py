"""``goalsync report --html``: a self-contained page with charts, timeline and journal."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.core.model import Block
from syncer.state import STATE_FILE, State
from tests.helpers.home import isolate_home

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "career.yaml"
NOW = "2026-12-01T12:00:00+00:00"
QUESTIONS = [
    ("What went well, and what will I change?", "Research done <early> & cheap"),
    ("What got in the way?", "A product launch at work ate two evenings"),
    ("Which step matters most next week?", "Enroll"),
]
PROBE = Path(__file__).with_name("report_probe.js")
LONG = ("the audit of all thirty-six months of project experience and the letters of "
        "reference from two earlier managers, which took longer than planned")
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
        review = datetime(2026, 11, 22, 18, tzinfo=UTC)
        for question, answer in QUESTIONS:  # one review, answered in this order
            state.record_review_answer(review, "weekly", None, None, question, answer)
        state.record_review_answer(datetime(2026, 11, 29, 18, tzinfo=UTC), "behind",
                                   "promotion", None, "What is in the way?", "Q4 planning")
        for day, value in ((8, 55), (15, 61), (22, 64)):
            state.record_metric("pmp", value, datetime(2026, 11, day, 18, tzinfo=UTC))
    return tmp_path


def write(home: Path, plan: Path = EXAMPLE) -> Path:
    out = home / "report.html"
    result = CliRunner().invoke(cli, ["report", str(plan), "--html", str(out),
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
    # each chart is drawn for a wide and a narrow screen (CSS shows one)
    assert page.count('aria-label="Burn-up chart for') == 2 * len(goals)
    assert page.count('aria-label="Milestone timeline for') >= 2
    assert page.count('class="actual"') == 2 * len(goals)
    assert 'class="expected"' in page
    assert "exam score <b>64 / 80%</b>" in page


def test_report_shows_the_journal_escaped(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert "Research done &lt;early&gt; &amp; cheap" in page
    assert "<early>" not in page


def test_review_answers_are_listed_in_the_order_asked(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    positions = [page.index(html.escape(q)) for q, _ in QUESTIONS]
    assert positions == sorted(positions)
    # the latest review first
    assert page.index("What is in the way?") < positions[0]


def test_burnup_starts_on_the_first_tracked_day(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    chart = page[page.index('aria-label="Burn-up chart for Get PMP-certified"'):]
    first_tick = re.search(r'class="tick"[^>]*>(\d{4}-\d{2}-\d{2})<', chart)
    assert first_tick is not None and first_tick[1] == "2026-11-01"  # the first sync


def test_rewards_show_at_their_milestones(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert page.count("Celebrate: Dinner at the river restaurant") >= 2  # table + timeline
    row = page[page.index("<td class=\"name\">Complete a PMP prep course"):]
    assert row.index("Celebrate: Dinner at the river restaurant") < row.index("</td>")


def test_each_measured_goal_has_a_chart_of_its_values(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert "<h3>exam score: 64 / 80%</h3>" in page
    chart = page[page.index('aria-label="exam score over time for Get PMP-certified"'):]
    chart = chart[:chart.index("</svg>")]
    assert chart.count("<circle") == 3 and "target 80%" in chart
    # a goal without measurements says how to get them
    assert "No measurements recorded yet" in page


def test_dates_are_kept_on_one_line(home: Path) -> None:
    page = write(home).read_text(encoding="utf-8")
    assert '<time datetime="2027-02-28">2027-02-28</time>' in page
    assert "time, .facts b { white-space: nowrap; }" in page


def chromium(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    # a fresh profile, and no background traffic: the page is local and so is the test
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-default-apps", "--disable-extensions",
         "--hide-scrollbars", f"--user-data-dir={home / 'chromium-profile'}", *args],
        check=True, capture_output=True, text=True, timeout=120)


def measure(page: Path, width: int, home: Path) -> dict[str, Any]:
    """Lay the report out at ``width`` CSS px in Chromium and measure it (report_probe.js).

    The report runs no script, so it is loaded into an iframe of that width (headless
    Chromium's window is at least 500 px wide) by a page that runs the probe."""
    wrapper = home / f"probe-{width}.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><iframe id="report" '
        f'scrolling="no" style="border:0;width:{width}px;height:2000px" '
        f'srcdoc="{html.escape(page.read_text(encoding="utf-8"), quote=True)}"></iframe>'
        '<script>window.addEventListener("load", () => {'
        f"{PROBE.read_text(encoding='utf-8')}}});</script></body></html>",
        encoding="utf-8")
    dom = chromium(["--window-size=1400,1000", "--dump-dom", wrapper.as_uri()], home).stdout
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.DOTALL)
    assert found is not None, dom[-2000:]
    result: dict[str, Any] = json.loads(html.unescape(found[1]))
    return result


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package "
                    "chromium); the report's rendering is checked where it is")
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("variant", ["long-label", "unbroken"])
def test_report_lays_out_at_desktop_and_phone_width(home: Path, width: int,
                                                    variant: str) -> None:
    """At 1280 and 390 px: nothing wider than the screen, no chart label outside its
    chart, dates on one line, chart text at least 9 px, tables stacked on the phone.

    ``long-label``: a milestone title longer than the chart is wide, due mid-way (its
    label must wrap). ``unbroken``: words no line can hold, in a goal title, a
    milestone title, a metric name, a review answer and the ids a prompt names."""
    text = EXAMPLE.read_text(encoding="utf-8")
    if variant == "long-label":
        text = text.replace("title: PMI application approved",
                            f"title: PMI application approved after {LONG}")
    else:
        word = "Supercalifragilistic" * 6
        text = (text.replace("title: Get PMP-certified", f"title: Get {word}")
                .replace("title: PMI application approved", f"title: {word}")
                .replace("metric: exam score", f"metric: {word}"))
        with State.open(home / "state" / STATE_FILE) as state:
            state.record_review_answer(datetime(2026, 11, 30, 18, tzinfo=UTC), "behind",
                                       word.lower(), word.lower(), "Why?",
                                       "https://example.org/" + word)
    plan = home / "career.yaml"
    plan.write_text(text, encoding="utf-8")
    page = write(home, plan)
    found = measure(page, width, home)
    assert found["viewport"] == width
    assert found["scroll_width"] <= width, found["overflow"]
    assert found["overflow"] == []
    assert found["clipped"] == []
    assert found["wrapped"] == []
    assert found["min_font_px"] >= 9
    assert found["charts"] == {"burnup": 3, "measure": 1, "timeline": 3}
    assert found["stacked"] is (width < 600)
    assert found["headers_shown"] is (width >= 600)
    shot = home / f"report-{width}.png"
    chromium([f"--window-size={width},2400", f"--screenshot={shot}", page.as_uri()], home)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_report_to_a_missing_folder_is_a_sentence_not_a_traceback(home: Path) -> None:
    out = home / "no-such-folder" / "report.html"
    result = CliRunner().invoke(cli, ["report", str(EXAMPLE), "--html", str(out),
                                      "--offline", "--now", NOW])
    assert result.exit_code == 2
    assert "cannot write the report to" in result.output and "No such file" in result.output

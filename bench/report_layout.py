"""Figures: how HTML reports lay out at 1280 and 390 px in headless Chromium.

For each page given (e.g. a report written by this version and one by an older one, side
by side): the page's width against the screen's, the elements that stick out, the chart
labels outside their chart, the dates broken over two lines and the smallest chart text
in CSS px. The probe is the one tests/cli/test_report.py uses (tests/cli/report_probe.js).

Run: ``.venv/bin/python bench/report_layout.py new.html [old.html ...]`` (needs the
Debian package chromium). Not a test.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROBE = Path(__file__).resolve().parents[1] / "tests" / "cli" / "report_probe.js"
WIDTHS = (1280, 390)


def measure(chromium: str, page: Path, width: int, work: Path) -> dict[str, Any]:
    wrapper = work / f"probe-{width}.html"
    wrapper.write_text(
        '<!DOCTYPE html><html><body style="margin:0"><iframe id="report" scrolling="no" '
        f'style="border:0;width:{width}px;height:2000px" '
        f'srcdoc="{html.escape(page.read_text(encoding="utf-8"), quote=True)}"></iframe>'
        '<script>window.addEventListener("load", () => {'
        f"{PROBE.read_text(encoding='utf-8')}}});</script></body></html>",
        encoding="utf-8")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         f"--user-data-dir={work / 'profile'}", "--window-size=1400,1000", "--dump-dom",
         wrapper.as_uri()], check=True, capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, re.DOTALL)
    if found is None:
        raise SystemExit(f"the probe found nothing in {page}")
    result: dict[str, Any] = json.loads(html.unescape(found[1]))
    return result


def main(pages: list[str]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("needs Chromium (apt-get install chromium)")
    print(f"{'page':<28} {'screen':>6} {'page px':>7} {'sticking out':>12} "
          f"{'labels cut':>10} {'dates split':>11} {'min chart text px':>17}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in pages:
            for width in WIDTHS:
                r = measure(chromium, Path(name), width, Path(tmp))
                print(f"{Path(name).name[:28]:<28} {width:>6} {r['scroll_width']:>7} "
                      f"{len(r['overflow']):>12} {len(r['clipped']):>10} "
                      f"{len(r['wrapped']):>11} {r['min_font_px']:>17.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])

"""The HTML report in a real headless browser (Debian's Chromium, started by the test over
the Chrome DevTools Protocol, `tests/fixtures/browser.py`): the page loads without console errors
and every figure has a non-zero size. Skipped, with the reason, where Chromium is absent
(``apt-get install chromium``)."""

from __future__ import annotations

import base64
import re

import pytest

from rdl.report import write_report
from tests.fixtures.browser import CHROMIUM, HeadlessChromium, chromium_available
from tests.fixtures.report import KINDS, fake_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not chromium_available(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
        "RDL_CHROMIUM); the report's browser test needs a real browser",
    ),
]

#: per <img>: decoded size and laid-out size in CSS pixels
IMAGES_JS = """Array.from(document.images).map(i => {
  const r = i.getBoundingClientRect();
  return {alt: i.alt, complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
          box_w: r.width, box_h: r.height};
})"""


@pytest.fixture(scope="module")
def browser():
    with HeadlessChromium() as b:
        yield b


def test_report_loads_cleanly_and_every_figure_has_a_size(tmp_path, browser):
    runs = []
    for i, kind in enumerate(KINDS):
        runs.append(tmp_path / f"run{i}")
        fake_run(runs[-1], kind, seed=i)
    page = write_report(runs, tmp_path / "report.html")
    errors = browser.load(page.resolve().as_uri())
    assert errors == []
    images = browser.evaluate(IMAGES_JS)
    assert len(images) == 1 + sum(len(v[1]) for v in KINDS.values())
    for img in images:
        assert img["complete"] and img["w"] > 0 and img["h"] > 0, img
        assert img["box_w"] > 0 and img["box_h"] > 0, img
    assert browser.evaluate("document.querySelectorAll('table').length") > 10


def test_the_checks_can_fail(tmp_path, browser):
    """Controls: a damaged embedded figure has no size, a script error is reported."""
    fake_run(tmp_path / "run", "binary_classification")
    page = write_report([tmp_path / "run"], tmp_path / "report.html")
    text = page.read_text()
    first = re.search(r'base64,([^"]+)"', text)
    broken = base64.b64encode(b"not a PNG file").decode()
    page.write_text(
        text.replace(first.group(1), broken, 1).replace(
            "</body>", "<script>console.error('boom')</script></body>"
        )
    )
    errors = browser.load(page.resolve().as_uri())
    assert any("boom" in e for e in errors)
    sizes = [(i["w"], i["box_h"]) for i in browser.evaluate(IMAGES_JS)]
    assert sizes[0][0] == 0 and all(w > 0 for w, _ in sizes[1:])

"""The HTML report opened in a real headless Chromium (Debian's `chromium`; `.ci/run` installs it with
`fonts-noto-cjk` and sets ZLDESK_REQUIRE_CHROMIUM=1, so a missing browser fails there instead of
skipping): rendered to PNG and to A4 PDF with no console errors and no network requests, every character
of its text covered by an installed font (no missing-glyph boxes), and the PDF's text holding the
Chinese labels of the tables and the charts."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from .conftest import missing
from .report_scene import build, report

RADICALS = str.maketrans(
    "⺠⻔⻓⻢⻜⻅⻆⻚⻬⻋⻛⻝⻁⻰⻥⻦⻩⻮⻳⺟⻉⻈⻌⻄", "民门长马飞见角页齐车风食虎龙鱼鸟黄齿龟母贝讠辶西"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
)


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing("Chromium", "ZLDESK_REQUIRE_CHROMIUM", "apt-get install chromium fonts-noto-cjk")
    return found


def _run(chromium: str, tmp_path: Path, page: Path, *what: str) -> str:
    ran = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *what, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stderr


def _problems(log: str) -> list[str]:
    """Console messages, uncaught errors, CSP refusals and network attempts in Chromium's log."""
    pattern = re.compile(r"CONSOLE|Uncaught|Content Security Policy|Refused to|net::ERR|ERR_NAME_NOT_RESOLVED", re.I)
    return [line for line in log.splitlines() if pattern.search(line)]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag == "style"

    def handle_endtag(self, tag):
        self.skip -= tag == "style"

    def handle_data(self, data):
        if not self.skip:
            self.chunks.append(data)


def _uncovered(text: str) -> list[str]:
    """The characters of `text` no installed font has (fontconfig: fonts whose charset holds them all)."""
    chars = sorted({ch for ch in text if not ch.isspace()})
    bad = []
    for i in range(0, len(chars), 200):
        part = chars[i : i + 200]
        ran = subprocess.run(
            ["fc-list", ":charset=" + " ".join(f"{ord(c):x}" for c in part), "family"],
            capture_output=True,
            text=True,
        )
        if ran.stdout.strip():
            continue
        for c in part:  # which of them
            one = subprocess.run(["fc-list", f":charset={ord(c):x}", "family"], capture_output=True, text=True)
            if not one.stdout.strip():
                bad.append(c)
    return bad


def test_report_renders_in_chromium(cli, monkeypatch, tmp_path, chromium):
    if shutil.which("fc-list") is None:
        missing("fontconfig", "ZLDESK_REQUIRE_CHROMIUM", "apt-get install fontconfig")
    build(cli, monkeypatch)
    page = tmp_path / "报告.html"
    ran = report(cli, "--year", "2026", "--format", "html", "-o", str(page))
    assert ran.exit_code == 0, ran.stderr
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html.replace("=HYPERLINK(&quot;http://x&quot;)", ""))  # only the title's text

    png, pdf = tmp_path / "r.png", tmp_path / "r.pdf"
    log = _run(chromium, tmp_path, page, "--window-size=900,1300", f"--screenshot={png}")
    log += _run(chromium, tmp_path, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert _problems(log) == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert pdf.read_bytes()[:5] == b"%PDF-"

    text = _Text()
    text.feed(html)
    shown = "".join(text.chunks)
    assert "每月按时率" in shown and "门急诊收费系统" in shown  # chart labels are text
    assert _uncovered(shown) == []

    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=2)  # A4: 210 mm
    # The PDF's ToUnicode maps some ideographs' glyphs to radicals (Kangxi: NFKC reads them back; the
    # supplement's simplified forms have no decomposition: RADICALS)
    words = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages)).translate(RADICALS)
    for label in (
        "雷山县人民医院 服务报告 2026",
        "各级别",
        "每月按时率",
        "每月各级别工单数",
        "各模块工单数",
        "门急诊收费系统",
        "王主任",
        "等医院确认网络",
    ):
        assert label in words, label
    assert len(reader.pages) >= 2  # the long lists start on a page of their own

"""Terminal escapes in user data never reach the terminal: the real console, in tmux at 80x24.

A ticket's title, description and note, its caller, a module name (from an imported contract), a contact
label and a roster engineer's name carry Rich markup, OSC sequences (window title, clipboard, hyperlink),
CSI cursor and erase sequences, C1 controls and bidi overrides. Every screen is visited; on each:

- the pane title is what it was (OSC 0 not obeyed) and tmux holds no paste buffer (OSC 52 not obeyed);
- `capture-pane -e` holds none of the payload's sequences, and the console is still running;
- the payload shows literally: `\\x1b[2J` as those characters, `[@click=app.quit]` as text.

Each screen has its own tmux server (a private socket) and console; skipped without tmux, failed
without it under ZLDESK_REQUIRE_TMUX=1 (CI).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from zldesk.contract import Module, dumps_toml
from zldesk.text import visible
from zldesk.widgets.ticket_board import layout

from .conftest import missing, older_zldesk
from .test_fuzz_imports import BASE, run_ok, toml_dumps


@pytest.fixture(autouse=True, scope="module")
def tmux() -> None:
    if shutil.which("tmux") is None:
        missing("tmux", "ZLDESK_REQUIRE_TMUX", "tmux is not on PATH")


# One payload a field, each short enough to show unwrapped at 80 columns, each starting with a marker
# that finds it (the palette, the coverage query) and shows where it is.
TITLE = "T1zz[@click=app.quit]\x1b]0;PWNED\x07"
DESCRIPTION = "D[b]\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\\u202d"
CALLER = "C[IMPORTANT][/\x1b]52;c;cHduZWQ=\x07"
NOTE = "N\x9b2J\x9d0;x\x9c\u202eRTL\u2066iso\u2069"
MODULE = "zzmod[bold]x[/bold]\x1b[2J\x1b[H\x1b[31mR"
CONTACT = "zzcon\x1b]0;PWNED\x07\u200f"
ENGINEER = "zzeng[/\u202e\x1b[2J\x9b31m"
CUSTOMER = "zzhosp[@click=app.quit]\x1b]0;PWNED\x07\x1b[2J\u202e"

# Line breaks that would forge a record: a ticket row, a phone, a "resolved" history line, a duty line.
TITLE_LINE = "L2zz\n#99    雷山县人民医院  1级  已解决  -  伪造\r\u2028\x85"
CALLER_LINE = "王护士\n  电话：110"
NOTE_LINE = "N2zz第一行\n  99 11-25 03:00 admin 解决 伪造"
ENGINEER_LINE = "\n  热线值班：假人 110"
FORGED = ("\n#99", "\n  电话：110", "\n  99 11-25", "\n  热线值班：假人")  # never at the start of a line

BASE_DAY = date(2026, 1, 1)  # the engineer holds every line every day from here on
# What must never be in the terminal's cells: the payloads' own control characters and sequences.
RAW = (
    "\x1b]",
    "\x1b[2J",
    "\x1b[H",
    "\x1b[31m",
    "\x07",
    "\x9b",
    "\x9c",
    "\x9d",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200f",
)
# What must never be in the bytes the console writes: each payload's sequences as they would go out
# (the console's own output has \x1b[2J and OSC sequences of its own, never next to these).
RAW_OUT = [
    x.encode()
    for x in (
        "\x1b]0;PWNED",
        "\x1b]52;c;",
        "\x1b]8;;http://evil",
        "\x1b[2J\x1b[H\x1b[31mR",
        "\x9b",
        "\x9c",
        "\x9d",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2069",
        "\u200f",
    )
]


def shown(payload: str, size: int | None = None) -> str:
    """The payload as the screen must show it: every control made visible (and cut to `size`)."""
    text = visible(payload)
    return text if size is None else text[:size]


# ---------------------------------------------------------------------------------------------------
# The store: made with the CLI, as a user would.


def make_store(folder: Path, customer: str | None = None, lines: bool = False) -> Path:
    """Made by an older zldesk, which took the payloads in (this one refuses them: tests/test_forgery.py).
    With `lines`, the roster's engineer and a second ticket carry line breaks too (LINE_PAYLOADS)."""
    db = folder / "zldesk.db"
    with pytest.MonkeyPatch.context() as mp, older_zldesk():
        mp.setenv("ZLDESK_CACHE", "off")
        run_ok(db, "contracts")
        contacts = (replace(BASE.contacts[0], label=CONTACT),) + BASE.contacts[1:]
        modules = (Module(1, MODULE, True),) + BASE.modules[1:]
        contract = replace(BASE, modules=modules, contacts=contacts, customer=customer or BASE.customer)
        (folder / "leishan.toml").write_text(dumps_toml(contract), encoding="utf-8")
        run_ok(db, "import", "contract", str(folder / "leishan.toml"))
        engineer = ENGINEER + ENGINEER_LINE if lines else ENGINEER
        roster = {
            "engineers": [{"name": engineer, "phone": "138-0000-0001"}],
            "rotations": [
                {"line": line, "unit": "day", "start": BASE_DAY, "engineers": [engineer]}
                for line in ("hotline", "backup", "onsite")
            ],
        }
        (folder / "roster.toml").write_text(toml_dumps(roster), encoding="utf-8")
        run_ok(db, "roster", "import", str(folder / "roster.toml"))
        run_ok(
            db,
            "ticket",
            "new",
            "--severity",
            "3",
            "--title",
            TITLE,
            "--description",
            DESCRIPTION,
            "--caller",
            CALLER,
            "--module",
            "1",
        )
        run_ok(db, "ticket", "note", "1", NOTE)
        if lines:
            forged = ["--title", TITLE_LINE, "--caller", CALLER_LINE, "--description", NOTE_LINE]
            run_ok(db, "ticket", "new", "--severity", "3", *forged, "--module", "1")
            run_ok(db, "ticket", "note", "2", NOTE_LINE)
    return db


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("escapes"))


# ---------------------------------------------------------------------------------------------------
# The console in tmux.


class Console:
    """`zldesk` in a detached tmux session of its own server, everything it writes logged by pipe-pane.
    Every wait polls (the screen or the log); none just sleeps."""

    def __init__(self, db: Path, folder: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.socket = f"zldesk-esc-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.socket_path = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}" / self.socket
        conf = folder / "tmux.conf"
        # remain-on-exit: a crash leaves its pane to look at; set-clipboard: OSC 52 would land in a buffer.
        conf.write_text(
            "set -g remain-on-exit on\nset -s set-clipboard on\nset -s escape-time 0\nset -g status off\n",
            encoding="utf-8",
        )
        self.base = ["tmux", "-u", "-L", self.socket, "-f", str(conf)]
        self.log = folder / "console.out"
        self.mark = 0  # where in the log the screen being checked begins
        env = {
            "ZLDESK_DB": str(db),
            "ZLDESK_CACHE": "off",
            "LANG": "C.UTF-8",
            "TERM": "tmux-256color",
            "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        } | (env or {})
        command = [sys.executable, "-m", "zldesk", *map(shlex.quote, args)]  # no args: the console
        # The colours the console may use are the ones said here, not the host's (COLORTERM=truecolor).
        unset = [f"-u {name}" for name in ("COLORTERM", "NO_COLOR", "TEXTUAL_COLOR_SYSTEM") if name not in env]
        console = " ".join(unset + [f"{k}={shlex.quote(v)}" for k, v in env.items()] + command)
        # The console starts once its output is logged: it waits on a tmux channel opened below.
        # The exit status goes to a file: tmux 3.3 here often marks a pane dead without reaping its process,
        # so "Pane is dead (status N" may never be said.
        self.rc = folder / "exit-status"
        start = f"tmux -L {self.socket} wait-for go && env {console}; echo $? > {shlex.quote(str(self.rc))}"
        self.tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "esc", start)
        try:
            self.tmux("select-pane", "-t", "esc", "-T", "zldesk-test-title")
            self.tmux("pipe-pane", "-t", "esc", f"cat >> {shlex.quote(str(self.log))}")
            self.title = self.display("#{pane_title}")
            self.tmux("wait-for", "-S", "go")
        except BaseException:
            self.close()
            raise

    def output(self, since: int = 0) -> bytes:
        return self.log.read_bytes()[since:] if self.log.exists() else b""

    def visit(self, key: str, *texts: str) -> None:
        """Press the key that opens a screen and wait for it; its output is checked from here on (the
        screen it replaces is no longer drawn)."""
        self.mark = len(self.output())
        self.keys(key)
        self.wait_for(*texts)
        self.settle()

    def wait_output(self, text: str, timeout: float = 20) -> None:
        """Until the console has written `text` (whatever the screen shows now)."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.output():
            if time.monotonic() > deadline or self.display("#{pane_dead}") == "1":
                pytest.fail(f"the console never wrote {text!r}; the pane shows:\n{self.capture()}")
            time.sleep(0.1)

    def tmux(self, *args: str) -> str:
        done = subprocess.run([*self.base, *args], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "esc", fmt).rstrip("\n")

    def capture(self, escapes: bool = False) -> str:
        return self.tmux("capture-pane", "-p", "-t", "esc", *(["-e"] if escapes else []))

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "esc", *(["-l"] if literal else []), *keys)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def wait_for(self, *texts: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.capture()
            if all(t in screen for t in texts):
                return screen
            if time.monotonic() > deadline or self.display("#{pane_dead}") == "1":
                pytest.fail(f"{texts!r} did not appear; the pane shows:\n{screen}")
            time.sleep(0.1)

    def wait_for_exit(self, timeout: float = 20) -> None:
        """Until the console has ended, by itself and with exit status 0."""
        deadline = time.monotonic() + timeout
        while self.display("#{pane_dead}") != "1" or not self.rc.exists():
            assert time.monotonic() < deadline, f"the console did not end; the pane shows:\n{self.capture()}"
            time.sleep(0.1)
        assert self.rc.read_text().strip() == "0", self.capture()

    def settle(self, quiet: float = 0.3, timeout: float = 20) -> None:
        """Until the screen stops changing (a focus moved, a worker's rows arrived)."""
        deadline = time.monotonic() + timeout
        last, since = self.capture(escapes=True), time.monotonic()
        while time.monotonic() - since < quiet:
            time.sleep(0.05)
            now = self.capture(escapes=True)
            if now != last:
                last, since = now, time.monotonic()
            assert time.monotonic() < deadline, "the screen never settled"

    def focus_with(self, key: str) -> None:
        """Press a key that moves the focus, and wait until it has moved: keys typed before the move
        lands would go to the widget that had it (and app keys like `o` would switch screens)."""
        self.settle()
        before = self.capture(escapes=True)
        self.keys(key)
        deadline = time.monotonic() + 20
        while self.capture(escapes=True) == before:
            assert time.monotonic() < deadline, f"{key} changed nothing on the screen"
            time.sleep(0.05)
        self.settle()

    def close(self) -> None:
        """Kill this test's own tmux server (and with it the console), and remove its socket."""
        subprocess.run([*self.base, "kill-server"], capture_output=True, timeout=30)
        self.socket_path.unlink(missing_ok=True)

    def assert_clean(self, *literals: str) -> None:
        """The console runs, the terminal obeyed no payload, and each literal is on the screen."""
        plain, cells, out = self.capture(), self.capture(escapes=True), self.output(self.mark)
        assert self.display("#{pane_dead}") == "0", plain
        assert self.display("#{pane_title}") == self.title, f"OSC 0/2 from user data retitled the pane:\n{plain}"
        assert self.tmux("list-buffers") == "", "OSC 52 from user data set the clipboard"
        for raw in RAW:
            assert raw not in cells, (raw, cells)
        for raw in RAW_OUT:
            at = out.find(raw)
            around = out[max(0, at - 120) : at + 40].decode("utf-8", "replace")
            assert at < 0, f"the console wrote {raw!r} to the terminal, in: ...{around!r}...\n{plain}"
        missing = [text for text in literals if text not in plain]
        assert not missing, f"not shown literally: {missing}\n{plain}"


@pytest.fixture
def console(store, tmp_path):
    c = Console(store, tmp_path)
    try:
        c.wait_output("T1zz")  # the board, with the ticket
        c.wait_output("值班：")  # and the roster's part of the status line, a tick later
        c.settle()
        yield c
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------------
# Each screen.


def test_board(console):
    """The rows (title and module cut to their columns) and the status line, which names who is on duty
    (at 80 columns the name itself is cut off: the console's output is checked for it all the same)."""
    widths = {c.key: w for c, w in layout(80, hospitals=False)}  # one hospital: no hospital column
    title, module = widths["title"] - 1, widths["module"] - 1  # the cells left before the cut's ~
    console.assert_clean("单号", "新工单", shown(TITLE, title), shown(MODULE, module), "值班：")


def test_ticket_screen(console):
    console.visit("Enter", "历史")
    console.assert_clean(shown(TITLE), shown(DESCRIPTION), shown(CALLER), shown(MODULE))
    for _ in range(12):  # the note is at the end of the history
        console.keys("j")
    console.wait_for(shown(NOTE)[:6])
    console.assert_clean(shown(NOTE))


def test_coverage_with_a_query(console):
    console.visit("m", "类别", "查询：")  # opens in the query box
    console.type("zzmod")
    console.wait_for("zzmod[bold]x")
    console.assert_clean(shown(MODULE))


def test_contract_screen(console):
    console.visit("c", "服务窗口")
    console.keys("G")  # to the end, where the contacts are
    console.wait_for("zzcon")
    console.assert_clean(shown(CONTACT))


def test_roster_screen(console):
    console.visit("o", "zzeng")
    console.assert_clean(shown(ENGINEER))


def test_new_ticket_form(console):
    console.visit("n", "新工单 ·", "选好级别后")
    console.focus_with("Tab")  # from 电话 to 问题
    console.focus_with("Tab")  # to 模块
    console.type("zzmod")
    console.wait_for("第 1 行")
    console.assert_clean(shown(MODULE, 12))


# Help and the palette are modal: opened on the board, the board shows (dimmed) behind them and its
# status line would repeat test_board's finding. They are opened on the contract screen instead.


def test_help(console):
    console.visit("c", "服务窗口")
    console.visit("?", "按键（esc 关闭）")
    console.assert_clean()


def test_palette_finds_the_ticket(console):
    console.visit("c", "服务窗口")
    console.visit("C-p", "Search")
    console.type("T1zz")
    console.wait_for("#1 T1zz")
    console.assert_clean(shown(TITLE, 30))


def test_customer_name_in_headers_and_form(tmp_path):
    """The hospital's name is in the coverage header and the new-ticket form: it is user data too."""
    db = make_store(tmp_path, customer=CUSTOMER)
    c = Console(db, tmp_path)
    try:
        c.wait_output("T1zz")
        c.settle()
        c.assert_clean()  # one hospital: the board has no hospital column (it would say the same on every row)
        c.visit("m", "类别", "查询：")
        c.assert_clean(shown(CUSTOMER, 10))
        c.visit("Escape", "单号")  # b would be a letter of the query, which has the focus
        c.visit("n", "新工单 ·")
        c.assert_clean(shown(CUSTOMER, 10))
    finally:
        c.close()


# ---------------------------------------------------------------------------------------------------
# Commands in the terminal: what they print to a tty, forged lines included.


@pytest.fixture(scope="module")
def lines_store(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("lines"), lines=True)


def run_in_terminal(db: Path, folder: Path, *args: str) -> tuple[list[str], bytes]:
    """`zldesk ARGS` in its own tmux at 80x24, to its end: it exits 0, the terminal obeyed nothing it wrote
    (title, clipboard, no raw sequence in the cells or the bytes), and no forged line starts a line.
    Returns the lines it printed (wrapped ones joined, the scrolled-off ones too) and its bytes."""
    c = Console(db, folder, *args)
    try:
        c.wait_for_exit(timeout=60)  # remain-on-exit keeps what it wrote
        text = c.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "esc")
        cells = c.tmux("capture-pane", "-p", "-e", "-S", "-", "-t", "esc")
        assert c.display("#{pane_title}") == c.title, "OSC 0/2 from user data retitled the pane"
        assert c.tmux("list-buffers") == "", "OSC 52 from user data set the clipboard"
        out = c.output()
    finally:
        c.close()
    for raw in RAW:
        assert raw not in cells, (raw, cells)
    for raw in RAW_OUT:
        assert raw not in out, (raw, out)
    for forged in FORGED:
        assert forged.encode() not in out.replace(b"\r\n", b"\n"), (forged, text)
    return [line for line in text.splitlines() if not line.startswith("Pane is dead")], out


def test_ticket_list_in_a_terminal_is_one_line_per_ticket(lines_store, tmp_path):
    lines, _ = run_in_terminal(lines_store, tmp_path, "ticket", "list")
    rows = [line for line in lines if line.strip()]
    assert len(rows) == 2 and all(row.startswith("#") for row in rows), lines
    assert any(visible(TITLE_LINE.strip()) in row for row in rows)


def test_ticket_show_in_a_terminal_forges_no_field_nor_history(lines_store, tmp_path):
    lines, _ = run_in_terminal(lines_store, tmp_path, "ticket", "show", "2")
    assert lines[0].startswith("#2 " + visible(TITLE_LINE.strip()))  # the title was kept stripped
    assert [line for line in lines if line.lstrip().startswith("电话：")] == []
    assert f"  来电人：{visible(CALLER_LINE)}" in lines
    assert [line for line in lines if line.startswith("    99 ") or line.startswith("   99 ")] == []


def test_holiday_notice_in_a_terminal(lines_store, tmp_path):
    lines, _ = run_in_terminal(lines_store, tmp_path, "roster", "notice", "--holiday", "国庆节", "--year", "2026")
    assert any(visible(ENGINEER + ENGINEER_LINE) in line for line in lines), lines
    assert not any(line.lstrip().startswith("热线值班：假人") for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        ["roster", "export", "--format", "csv", "--from", "2026-09-28", "--to", "2026-09-30"],
        ["roster", "export", "--format", "ics", "--from", "2026-09-28", "--to", "2026-09-29"],
        ["export", "modules"],
        ["export", "contract"],
    ],
    ids=lambda a: "-".join(a[:3]),
)
def test_an_export_to_a_terminal_is_shown_visibly(lines_store, tmp_path, args):
    lines, out = run_in_terminal(lines_store, tmp_path, *args)
    assert "zzeng" in "".join(lines) or "zzmod" in "".join(lines)
    assert b"\\x1b" in out or b"\\u001b" in out  # the escape shown as characters (TOML writes its own)


def test_a_forged_title_is_one_line_on_the_board_and_the_ticket_screen(lines_store, tmp_path):
    c = Console(lines_store, tmp_path)
    try:
        c.wait_output("L2zz")
        c.settle()
        board = c.capture()
        assert not any(line.lstrip().startswith("#99") for line in board.splitlines()), board
        c.assert_clean("L2zz\\n#9")  # the row, cut to its column: the break shown, not taken
        c.keys("j")  # to ticket #2, and open it
        c.visit("Enter", "历史")
        screen = c.capture()
        c.assert_clean("#2 " + visible(TITLE_LINE)[:30])
        assert not any(line.lstrip().startswith(("#99", "电话：110")) for line in screen.splitlines()), screen
    finally:
        c.close()

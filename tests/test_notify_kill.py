"""Issue 18's "never lost, never twice" across processes: a watcher killed with SIGKILL in the middle of a
delivery, then restarted, sends what was not confirmed and nothing that was; two watchers on one SQLite
store send each message once. The channel is a fake installed by a small module run in place of
`python -m zldesk`: each delivery is a line in a file (one per process and title), and in `block` mode the
second delivery hangs until the process is killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_notify import CONFIG, iso, new

FAKE = """
import json, os, sys, time
import zldesk.notify.channels as channels
from zldesk.notify.message import Delivery

def deliver(channel, message, timeout=10):
    path = os.environ["FAKE_LOG"]
    with open(path, "a", encoding="utf-8") as f:
        done = sum(1 for _ in open(path, encoding="utf-8")) if os.path.exists(path) else 0
        f.write(json.dumps({"pid": os.getpid(), "title": message.title}, ensure_ascii=False) + "\\n")
    if os.environ.get("FAKE_MODE") == "block" and done >= 1:
        open(path + ".blocked", "w").close()
        while True:
            time.sleep(60)
    return Delivery(True, False, "sent")

channels.deliver = deliver
sys.argv[0] = "zldesk"
from zldesk.cli import main
main()
"""
WAIT = 60  # seconds a condition is waited for: generous, never needed on a healthy machine


@pytest.fixture
def scene(cli, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG, encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(config))
    (tmp_path / "fakechan.py").write_text(FAKE, encoding="utf-8")
    for minute in (0, 1, 2):
        new(cli, 1, f"2026-12-01T10:0{minute}", f"故障{minute}")
    env = dict(os.environ, FAKE_LOG=str(tmp_path / "sent.jsonl"))
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1]), env.get("PYTHONPATH", "")])
    return tmp_path, env


def start(tmp_path: Path, env: dict, *args: str, **more) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(tmp_path / "fakechan.py"), *args],
        env=env | more, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def delivered(tmp_path: Path) -> list[dict]:
    path = tmp_path / "sent.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def wait_for(condition, what: str) -> None:
    end = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_watcher_killed_mid_delivery_sends_the_rest_on_restart_and_nothing_twice(scene, cli):
    tmp_path, env = scene
    when = iso("2026-12-01T10:20")
    first = start(tmp_path, env, "watch", "--once", "--at", when, FAKE_MODE="block")
    wait_for((tmp_path / "sent.jsonl.blocked").exists, "the second delivery to start")
    first.send_signal(signal.SIGKILL)
    first.wait(WAIT)
    states = [r["state"] for r in json.loads(cli("notify", "log", "--json").stdout)][::-1]
    assert states == ["sent", "pending", "pending"]  # the one being sent when killed was not confirmed
    again = start(tmp_path, env, "watch", "--once", "--at", when)
    out, err = again.communicate(timeout=WAIT)
    assert again.returncode == 0, err
    titles = [d["title"] for d in delivered(tmp_path)]
    assert titles[0].endswith("#1") and titles[1].endswith("#2")  # the first process: #1 confirmed, #2 hung
    assert [t[-2:] for t in titles[2:]] == ["#2", "#3"]  # the restart: what was not confirmed, once
    assert [r["state"] for r in json.loads(cli("notify", "log", "--json").stdout)] == ["sent"] * 3


def test_two_watchers_on_one_store_send_each_message_once(scene, cli):
    tmp_path, env = scene
    when = iso("2026-12-01T10:20")
    for _ in range(3):  # each round two watchers at once; whichever holds the lease sends
        both = [start(tmp_path, env, "watch", "--once", "--at", when) for _ in range(2)]
        for p in both:
            _, err = p.communicate(timeout=WAIT)
            assert p.returncode == 0, err
    titles = sorted(d["title"][-2:] for d in delivered(tmp_path))
    assert titles == ["#1", "#2", "#3"]


def test_two_foreground_watchers_one_holds_the_lease(scene, cli):
    tmp_path, env = scene
    logs = [tmp_path / f"watch{i}.err" for i in range(2)]
    runs = [
        subprocess.Popen(
            [sys.executable, str(tmp_path / "fakechan.py"), "watch", "--interval", "1s"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=path.open("w"),
        )  # fmt: skip
        for path in logs
    ]
    refused = lambda: sum("另一个 watch 持有租约" in p.read_text(encoding="utf-8") for p in logs)  # noqa: E731
    try:
        wait_for(lambda: refused() == 1, "the other watcher to find the lease taken")
        # the real clock is long past the fixture's calls: each is due, and its escalation to the lead
        wait_for(lambda: len(delivered(tmp_path)) >= 6, "six deliveries")
        wait_for(lambda: all(r["state"] == "sent" for r in json.loads(cli("notify", "log", "--json").stdout)), "sent")
        wait_for(lambda: len(json.loads(cli("notify", "log", "--json").stdout)) == 6, "six rows")
    finally:
        for p in runs:
            p.send_signal(signal.SIGTERM)  # systemd's stop
        codes = [p.wait(WAIT) for p in runs]
    assert codes == [0, 0]
    lease = sqlite3.connect(os.environ["ZLDESK_DB"]).execute("SELECT expires_at FROM notify_lease").fetchall()
    assert [str(x[0])[:4] for x in lease] == ["2000"]  # given up on the way out: the next watcher takes it at once
    assert len({d["pid"] for d in delivered(tmp_path)}) == 1 and len(delivered(tmp_path)) == 6
    assert len({d["title"] for d in delivered(tmp_path)}) == 6
    assert refused() == 1  # the same one all along: the holder renews its lease each round

"""How a deadline was reached, step by step, in words a duty engineer can repeat on the phone.

`explain(policy, deadline)` walks the same timeline the deadline engine (sla.py) counted on; sla.py
knows nothing of words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .calendar import weekday_name
from .contract import DAY_NAMES, UNIT_NAMES, Window
from .sla import Deadline, Policy, merged_pauses


@dataclass(frozen=True)
class Step:
    """One line of an explanation: what was counted or skipped, and why."""

    kind: str  # rule | start | counted | skipped | closed | pause | due | warning; leave (tickets.view: 出发)
    text: str
    start: datetime | None = None
    end: datetime | None = None
    seconds: int | None = None
    reason: str | None = None

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "text": self.text}
        if self.start is not None:
            out["from"] = self.start.isoformat()
        if self.end is not None:
            out["to"] = self.end.isoformat()
        if self.seconds is not None:
            out["seconds"] = self.seconds
        if self.reason is not None:
            out["reason"] = self.reason
        return out


def describe_window(window: Window) -> str:
    days = DAY_NAMES.get(window.days, window.days)
    hours = f"{window.start}-{window.end}"
    if window.outside:
        return f"{days} {hours}，{window.outside} 窗口关闭时"
    return f"{days} {hours}"


def duration(seconds: float) -> str:
    """1 小时, 9.5 小时, 2 小时 15 分, 40 分 … (to the second: a phone call needs no more)"""
    seconds = round(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    if rest == 0:
        return f"{hours} 小时"
    if rest == 1800:
        return f"{hours}.5 小时"
    minutes, secs = divmod(rest, 60)
    text = (f"{hours} 小时 " if hours else "") + f"{minutes} 分"
    return text + (f" {secs} 秒" if secs else "")


def moment(ts: datetime, year: int | None = None) -> str:
    """9月30日（星期三）17:00; 2027年1月4日… when not in `year` (the clock's start: across New Year, or a
    deadline negotiated into the next year, the day alone would read as the start's year)."""
    return f"{day_words(ts.date(), year)}（{weekday_name(ts.date())}）{ts:%H:%M}"


def day_words(d: date, year: int | None = None) -> str:
    return f"{'' if year in (None, d.year) else f'{d.year}年'}{d.month}月{d.day}日"


def explain(policy: Policy, d: Deadline) -> list[Step]:
    zone = policy.zone
    s = policy.severity(d.level)
    window = policy.contract.window(d.window)
    timeline = policy.timelines[d.window]
    rule = f"{s.level} 级（{s.name}）：{s.target.amount} {UNIT_NAMES[s.target.unit]}"
    if s.target.unit == "working_days":
        rule += f"，每个工作日 {duration(window.minutes * 60)}，共 {duration(d.target_seconds)}营业时间"
    rule += f"；按 {window.name} 窗口（{describe_window(window)}）计"
    steps = [Step("rule", rule, seconds=d.target_seconds)]

    start = d.clock_start
    start_ts, year = start.timestamp(), start.year
    merged = merged_pauses(d.pauses, start)
    if d.computed_due is not None:
        end_ts = d.computed_due.timestamp()
    else:  # frozen: the walk ends where the open pause began
        end_ts = max(start_ts, next(a for a, b in merged if b is None))
    steps.append(Step("start", f"从 {moment(start)} 起算", start=start))
    pauses = [(a, b) for a, b in merged if b is not None]
    timeline.business_at(end_ts)  # make sure the timeline covers the span
    i = max(0, _first_interval(timeline, start_ts))
    counted_days: set[date] = set()
    pieces: list[tuple[int, int]] = []
    while i < len(timeline.starts) and timeline.starts[i] < end_ts:
        a, b = max(timeline.starts[i], start_ts), min(timeline.ends[i], end_ts)
        if a < b:
            pieces.append((a, b))
        i += 1

    # Merge pauses into the walk in time order.
    events: list[tuple[int, Step]] = []
    for a, b in pieces:
        for x, y in _minus(a, b, pauses):
            sx, sy = datetime.fromtimestamp(x, zone), datetime.fromtimestamp(y, zone)
            counted_days.add(sx.date())
            text = f"{moment(sx, year)}至{sy:%H:%M} 计 {duration(y - x)}"
            if policy.calendar.day(sx.date()).kind == "makeup" and window.days == "workdays":
                text += f"（{policy.calendar.day(sx.date()).name}）"
            events.append((x, Step("counted", text, start=sx, end=sy, seconds=round(y - x))))
    for a, b in pauses:
        if b <= start_ts or a >= end_ts:
            continue
        a, b = max(a, start_ts), min(b, end_ts)
        lost = timeline.business_at(b) - timeline.business_at(a)
        sa, sb = datetime.fromtimestamp(a, zone), datetime.fromtimestamp(b, zone)
        events.append(
            (
                a,
                Step(
                    "pause",
                    f"{moment(sa, year)}至{moment(sb, year)} 挂起（等待医院），其间 {duration(lost)}营业时间不计",
                    start=sa,
                    end=sb,
                    seconds=round(lost),
                ),
            )
        )
    end = datetime.fromtimestamp(end_ts, zone)
    spans = [(int(st.start.timestamp()), int(st.end.timestamp())) for _, st in events]  # counted and paused
    for first, last, reason in _skipped_runs(policy, window, start.date(), end.date(), timeline):
        text = day_words(first, year) + (f"至{day_words(last, year)}" if last != first else "") + f" {reason}，不计"
        at = int(datetime.combine(first, datetime.min.time(), zone).timestamp())
        gap = _between(spans, at, int(start_ts), int(end_ts))
        if gap is None:  # days off inside a pause: the pause already says they are not counted
            continue
        sa, sb = datetime.fromtimestamp(gap[0], zone), datetime.fromtimestamp(gap[1], zone)
        events.append((at, Step("skipped", text, start=sa, end=sb, reason=reason)))
    events.sort(key=lambda e: e[0])
    steps += _with_closed([step for _, step in events], start, end, year)

    if d.computed_due is None:
        frozen = datetime.fromtimestamp(end_ts, zone)
        steps.append(Step("pause", f"{moment(frozen, year)} 起挂起（等待医院），时钟停止", start=frozen))
        steps.append(Step("due", "挂起结束后再算到期时间"))
    else:
        steps.append(Step("due", f"到期 {moment(d.computed_due, year)}", start=d.computed_due))
    if d.negotiated_due is not None:
        steps.append(
            Step(
                "due",
                f"已与医院协商改为 {moment(d.negotiated_due, year)}（按协商时间考核，原时限也保留）",
                start=d.negotiated_due,
            )
        )
    steps += [Step("warning", w) for w in d.warnings]
    return steps


def sentence(steps: list[Step]) -> str:
    return "；".join(step.text for step in steps if step.kind not in UNSAID) + "。"


# Steps kept for programs (JSON), not read out: every night's closed hours would be a line a night.
UNSAID = ("closed",)
_SPANNED = ("counted", "pause", "skipped")


def _with_closed(steps: list[Step], start: datetime, end: datetime, year: int) -> list[Step]:
    """The steps with a `closed` one in each gap between spans (the window's closed hours, a night, the
    hours before the next open day), so that from the clock's start to its end every moment is in exactly
    one span: counted, paused, skipped or closed."""
    out: list[Step] = []
    at = start

    def close_to(until: datetime) -> None:
        if until > at:
            text = f"{moment(at, year)}至{moment(until, year)} 窗口未开，不计"
            out.append(Step("closed", text, start=at, end=until, reason="窗口未开"))

    for step in steps:
        if step.kind in _SPANNED and step.start is not None and step.end is not None:
            close_to(step.start)
            at = max(at, step.end)
        out.append(step)
    close_to(end)
    return out


def _between(spans: list[tuple[int, int]], at: int, start: int, end: int) -> tuple[int, int] | None:
    """The span a run of days off at `at` (its first midnight) skips: from where the counted or paused span
    before it ended (or the clock started) to where the next one starts (or the walk ends), so that the
    spans adjoin and never overlap; None when a pause covers `at`."""
    if any(a <= at < b for a, b in spans):
        return None
    before = [b for _, b in spans if b <= at]
    after = [a for a, _ in spans if a > at]
    return (max(before) if before else start), (min(after) if after else end)


def _first_interval(timeline, ts: int) -> int:
    from bisect import bisect_right

    i = bisect_right(timeline.starts, ts) - 1
    return i if i >= 0 and timeline.ends[i] > ts else i + 1


def _minus(a: int, b: int, pauses: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out, cur = [], a
    for pa, pb in pauses:
        if pb <= cur or pa >= b:
            continue
        if pa > cur:
            out.append((cur, pa))
        cur = max(cur, pb)
    if cur < b:
        out.append((cur, b))
    return out


def _skipped_runs(policy: Policy, window, first: date, last: date, timeline):
    """Whole days inside the span on which the window's hours would have opened but its days rule said no."""
    if window.days == "all":
        return []
    runs: list[tuple[date, date, str]] = []
    d = first + timedelta(days=1)
    while d < last:
        if not timeline.day_minutes(d):
            day = policy.calendar.day(d)
            reason = "周末" if window.days == "weekdays" and d.weekday() >= 5 else day.name
            block = reason.split("（")[0].replace("调休休息", "") if day.kind == "holiday" else reason
            if runs and runs[-1][1] == d - timedelta(days=1) and runs[-1][2].split("（")[0].startswith(block):
                runs[-1] = (runs[-1][0], d, runs[-1][2])
            else:
                runs.append((d, d, f"{block}放假" if day.kind == "holiday" else reason))
        d += timedelta(days=1)
    return runs

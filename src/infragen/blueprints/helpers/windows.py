"""Maintenance and backup (snapshot) windows as RDS and ElastiCache take them: the formats,
a minimum length, and no overlap between the two, which both services refuse at deploy.

https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html
"""

from __future__ import annotations

import re

from infragen.blueprints.base import VarError

DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
WEEKLY_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)-"
    r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)$"
)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 24 * 60


def check_windows(
    daily: tuple[str, str | None],
    weekly: tuple[str, str | None],
    *,
    minimum_minutes: int,
    examples: tuple[str, str],
    daily_label: str,
) -> None:
    """`daily`/`weekly` are (var name, value); VarError at the var that is wrong."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for (name, window), is_daily, example in zip(
        (daily, weekly), (True, False), examples, strict=True
    ):
        if window is None:
            continue
        if not (DAILY_WINDOW if is_daily else WEEKLY_WINDOW).match(window):
            raise VarError(f"{name} {window!r} is not like {example!r} (UTC)", name)
        spans[name] = window_spans(window, is_daily)
        start, end = spans[name][0]
        if end - start < minimum_minutes:
            raise VarError(f"{name} must last at least {minimum_minutes} minutes", name)
    if len(spans) == 2 and overlap(*spans.values()):
        raise VarError(f"the {daily_label} and maintenance windows overlap", weekly[0])


def window_spans(window: str, daily: bool) -> list[tuple[int, int]]:
    """A window as [start, end) minutes of the week; a daily window occurs seven times."""
    if daily:
        h1, m1, h2, m2 = DAILY_WINDOW.match(window).groups()  # type: ignore[union-attr]
        start, end = _minutes(h1, m1), _minutes(h2, m2)
        length = (end - start) % (24 * 60)
        return [((start + d * 1440) % WEEK, (start + d * 1440) % WEEK + length) for d in range(7)]
    d1, h1, m1, d2, h2, m2 = WEEKLY_WINDOW.match(window).groups()  # type: ignore[union-attr]
    start = _minutes(h1, m1, DAYS.index(d1))
    end = _minutes(h2, m2, DAYS.index(d2))
    return [(start, start + (end - start) % WEEK)]


def overlap(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> bool:
    """Whether two sets of week spans overlap, wrapping past Sunday midnight."""
    shifted = [(s + k * WEEK, e + k * WEEK) for s, e in b for k in (-1, 0, 1)]
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in shifted)


def _minutes(hour: str, minute: str, day: int = 0) -> int:
    return day * 24 * 60 + int(hour) * 60 + int(minute)

"""Showing a run: a live rich table per stack on a terminal, timestamped lines otherwise.

The UI lives here and only here: the gateway and the verbs call a Reporter and never print.
Reporters are called from worker threads, so every method takes a lock.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

from infragen.aws.types import Change, StackEvent
from infragen.deploy import changes as change_text
from infragen.deploy.result import Outcome, RunSummary, StackResult


class Reporter(Protocol):
    def started(self, stack_id: str, action: str) -> None: ...
    def event(self, stack_id: str, event: StackEvent) -> None: ...
    def changes(self, stack_id: str, changes: list[Change]) -> None: ...
    def note(self, stack_id: str, text: str) -> None: ...
    def finished(self, result: StackResult) -> None: ...
    def summary(self, summary: RunSummary, title: str) -> None: ...
    def __enter__(self) -> Reporter: ...
    def __exit__(self, *exc: object) -> None: ...


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_rows(results: Iterable[StackResult]) -> list[tuple[str, str, str, str, str]]:
    """(stack, CloudFormation name, outcome, elapsed, detail) per stack."""
    return [
        (
            r.stack_id,
            r.cfn_name,
            r.outcome.value,
            f"{r.elapsed:.1f}s" if r.elapsed else "",
            r.explain(),
        )
        for r in results
    ]


def summary_line(summary: RunSummary) -> str:
    counts = ", ".join(f"{summary.count(o)} {o.value}" for o in Outcome if summary.count(o))
    tail = " (interrupted)" if summary.interrupted else ""
    stacks = "stack" if len(summary.results) == 1 else "stacks"
    return f"{len(summary.results)} {stacks}: {counts or 'nothing to do'}{tail}"


class PlainReporter:
    """One timestamped line per happening: readable in CI logs."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], str] = _now) -> None:
        self._stream = stream
        self._clock = clock
        self._lock = threading.Lock()

    def _write(self, text: str) -> None:
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(text + "\n")
            stream.flush()

    def _line(self, stack_id: str, text: str) -> None:
        self._write(f"{self._clock()} [{stack_id}] {text}")

    def started(self, stack_id: str, action: str) -> None:
        self._line(stack_id, action)

    def event(self, stack_id: str, event: StackEvent) -> None:
        reason = f": {event.reason}" if event.reason else ""
        self._line(stack_id, f"{event.status} {event.logical_id} ({event.resource_type}){reason}")

    def changes(self, stack_id: str, changes: list[Change]) -> None:
        self._line(stack_id, f"change set: {len(changes)} change(s)")
        for change in changes:
            self._line(stack_id, f"  {change_text.describe(change)}")

    def note(self, stack_id: str, text: str) -> None:
        self._line(stack_id, text)

    def finished(self, result: StackResult) -> None:
        detail = f" - {result.explain()}" if result.explain() else ""
        self._line(result.stack_id, f"{result.outcome.value}{detail}")

    def summary(self, summary: RunSummary, title: str) -> None:
        rows = summary_rows(summary.results)
        if not rows:
            self._write(f"{title}: nothing to do")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        self._write(f"{title}:")
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(4)]
            self._write("  " + "  ".join(cells) + (f"  {row[4]}" if row[4] else ""))
        self._write(summary_line(summary))

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@dataclass
class _Row:
    status: str
    started: float
    resource: str = ""
    ended: float | None = None


class LiveReporter:
    """A rich Live table: one row per stack with status, elapsed time, current resource."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console

        self._console = console or Console()
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._live: Any = None

    def _table(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        table = Table(show_edge=False, pad_edge=False, expand=False)
        for column in ("stack", "status", "elapsed", "resource"):
            table.add_column(column)
        now = time.monotonic()
        with self._lock:
            for stack_id, row in self._rows.items():
                elapsed = (row.ended or now) - row.started
                # Text(): reasons from AWS may contain [brackets] that rich reads as markup.
                table.add_row(stack_id, _style(row.status), f"{elapsed:5.1f}s", Text(row.resource))
        return table

    def _print(self, text: str) -> None:
        self._console.print(text, markup=False, highlight=False)

    def started(self, stack_id: str, action: str) -> None:
        with self._lock:
            self._rows[stack_id] = _Row(action, time.monotonic())

    def event(self, stack_id: str, event: StackEvent) -> None:
        with self._lock:
            row = self._rows.get(stack_id)
            if row is not None:
                row.resource = f"{event.logical_id} {event.status}"
                if event.logical_id and event.resource_type == "AWS::CloudFormation::Stack":
                    row.status = event.status
        if event.status.endswith("_FAILED"):
            self._print(f"[{stack_id}] {event.status} {event.logical_id}: {event.reason}")

    def changes(self, stack_id: str, changes: list[Change]) -> None:
        lines = [f"[{stack_id}] change set: {len(changes)} change(s)"]
        lines += [f"    {change_text.describe(c)}" for c in changes]
        self._print("\n".join(lines))

    def note(self, stack_id: str, text: str) -> None:
        with self._lock:
            row = self._rows.get(stack_id)
            if row is not None:
                row.resource = text
        self._print(f"[{stack_id}] {text}")

    def finished(self, result: StackResult) -> None:
        with self._lock:
            row = self._rows.setdefault(result.stack_id, _Row("", time.monotonic()))
            row.status = result.outcome.value
            row.ended = time.monotonic()
            row.resource = result.explain()[:80]

    def summary(self, summary: RunSummary, title: str) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=title, show_edge=False)
        for column in ("stack", "CloudFormation name", "result", "elapsed", "detail"):
            table.add_column(column)
        for row in summary_rows(summary.results):
            table.add_row(row[0], row[1], _style(row[2]), row[3], Text(row[4]))
        self._console.print(table)
        self._console.print(summary_line(summary), markup=False, highlight=False)

    def __enter__(self) -> LiveReporter:
        from rich.live import Live

        self._live = Live(get_renderable=self._table, console=self._console, refresh_per_second=4)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None


_STYLES = {
    "created": "green",
    "updated": "green",
    "unchanged": "dim",
    "deleted": "green",
    "failed": "bold red",
    "skipped": "yellow",
}


def _style(status: str) -> str:
    style = _STYLES.get(status)
    return f"[{style}]{status}[/{style}]" if style else status


def make_reporter(stream: TextIO | None = None) -> Reporter:
    """Live table on a terminal, plain lines otherwise (CI, pipes, tests)."""
    target = stream or sys.stdout
    if target.isatty():
        from rich.console import Console

        return LiveReporter(Console(file=target))
    return PlainReporter(target)

"""Walk a dependency graph with a ready pool: a node starts the moment its own dependencies
have succeeded, with at most `max_parallel` nodes running at once.

No level batches (one slow stack never holds back stacks that do not depend on it), no
thread per node, no polling: a fixed worker pool and `concurrent.futures.wait` on the
running set. A node whose dependency failed or was skipped is skipped without running, with
the reason; an exception in a step is that node's failure; independent nodes carry on.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from infragen.dag import Graph

R = TypeVar("R")


class StepState(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepOutcome(Generic[R]):
    node: str
    state: StepState
    value: R | None = None
    reason: str = ""
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.state is StepState.DONE


@dataclass
class WalkResult(Generic[R]):
    outcomes: dict[str, StepOutcome[R]]
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(o.ok for o in self.outcomes.values())


def walk(
    graph: Graph,
    step: Callable[[str], R],
    *,
    max_parallel: int = 4,
    succeeded: Callable[[R], bool] = lambda _value: True,
    describe_failure: Callable[[R], str] = lambda _value: "failed",
    stop: threading.Event | None = None,
    on_interrupt: Callable[[list[str]], None] | None = None,
) -> WalkResult[R]:
    """Run `step(node)` for every node, dependencies first.

    `succeeded(value)` decides whether a returned value counts as success (a step may report
    failure without raising). Setting `stop`, or Ctrl-C in the calling thread, stops new
    nodes from starting; running ones finish (`on_interrupt` gets their names first, e.g. to
    cancel them) and the rest are reported skipped.
    """
    if max_parallel < 1:
        raise ValueError("max_parallel must be at least 1")
    stop = stop or threading.Event()
    remaining = {node: len(graph.dependencies(node)) for node in graph.nodes}
    ready = [node for node, count in remaining.items() if count == 0]
    heapq.heapify(ready)  # ties start in name order, so runs are reproducible
    outcomes: dict[str, StepOutcome[R]] = {}
    running: dict[Future[R], str] = {}
    interrupted = False

    def skip_dependents(node: str, reason: str) -> None:
        todo = list(graph.dependents(node))
        while todo:
            dependent = todo.pop()
            if dependent not in outcomes:
                outcomes[dependent] = StepOutcome(dependent, StepState.SKIPPED, reason=reason)
                todo.extend(graph.dependents(dependent))

    def finish(node: str, future: Future[R]) -> None:
        error = future.exception()
        if error is not None:
            outcome: StepOutcome[R] = StepOutcome(
                node, StepState.FAILED, reason=f"{type(error).__name__}: {error}", error=error
            )
        else:
            value = future.result()
            if succeeded(value):
                outcome = StepOutcome(node, StepState.DONE, value=value)
            else:
                outcome = StepOutcome(
                    node, StepState.FAILED, value=value, reason=describe_failure(value)
                )
        outcomes[node] = outcome
        if outcome.ok:
            for dependent in graph.dependents(node):
                remaining[dependent] -= 1
                if remaining[dependent] == 0 and dependent not in outcomes:
                    heapq.heappush(ready, dependent)
        else:
            skip_dependents(node, f"dependency {node} {outcome.state.value}")

    with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="infragen") as pool:
        while ready or running:
            while ready and len(running) < max_parallel and not stop.is_set():
                node = heapq.heappop(ready)
                if node not in outcomes:
                    running[pool.submit(step, node)] = node
            if not running:
                break
            try:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                if not stop.is_set():
                    stop.set()
                    interrupted = True
                    if on_interrupt:
                        on_interrupt(sorted(running.values()))
                continue
            for future in done:
                finish(running.pop(future), future)
    if stop.is_set():
        interrupted = True
    for node in graph.nodes:
        if node not in outcomes:
            outcomes[node] = StepOutcome(node, StepState.SKIPPED, reason="interrupted")
    ordered = {node: outcomes[node] for node in graph.topological_order()}
    return WalkResult(ordered, interrupted=interrupted)

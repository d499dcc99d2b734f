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
    pool = _ReadyPool(graph, succeeded, describe_failure)
    stop = stop or threading.Event()
    interrupted = pool.run(step, max_parallel, stop, on_interrupt) or stop.is_set()
    for node in graph.nodes:
        if node not in pool.outcomes:
            pool.outcomes[node] = StepOutcome(node, StepState.SKIPPED, reason="interrupted")
    ordered = {node: pool.outcomes[node] for node in graph.topological_order()}
    return WalkResult(ordered, interrupted=interrupted)


class _ReadyPool(Generic[R]):
    """The walk's state: which nodes are ready, how many dependencies each still waits for."""

    def __init__(
        self,
        graph: Graph,
        succeeded: Callable[[R], bool],
        describe_failure: Callable[[R], str],
    ) -> None:
        self.graph = graph
        self.succeeded = succeeded
        self.describe_failure = describe_failure
        self.remaining = {node: len(graph.dependencies(node)) for node in graph.nodes}
        self.ready = [node for node, count in self.remaining.items() if count == 0]
        heapq.heapify(self.ready)  # ties start in name order, so runs are reproducible
        self.outcomes: dict[str, StepOutcome[R]] = {}

    def run(
        self,
        step: Callable[[str], R],
        max_parallel: int,
        stop: threading.Event,
        on_interrupt: Callable[[list[str]], None] | None,
    ) -> bool:
        """Run until nothing is ready or running; True when Ctrl-C interrupted it."""
        interrupted = False
        running: dict[Future[R], str] = {}
        with ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="infragen") as pool:
            while self.ready or running:
                while self.ready and len(running) < max_parallel and not stop.is_set():
                    node = heapq.heappop(self.ready)
                    if node not in self.outcomes:
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
                    self.finish(running.pop(future), future)
        return interrupted

    def finish(self, node: str, future: Future[R]) -> None:
        outcome = self.outcome(node, future)
        self.outcomes[node] = outcome
        if outcome.ok:
            for dependent in self.graph.dependents(node):
                self.remaining[dependent] -= 1
                if self.remaining[dependent] == 0 and dependent not in self.outcomes:
                    heapq.heappush(self.ready, dependent)
        else:
            self.skip_dependents(node, f"dependency {node} {outcome.state.value}")

    def outcome(self, node: str, future: Future[R]) -> StepOutcome[R]:
        error = future.exception()
        if error is not None:
            return StepOutcome(
                node, StepState.FAILED, reason=f"{type(error).__name__}: {error}", error=error
            )
        value = future.result()
        if self.succeeded(value):
            return StepOutcome(node, StepState.DONE, value=value)
        return StepOutcome(node, StepState.FAILED, value=value, reason=self.describe_failure(value))

    def skip_dependents(self, node: str, reason: str) -> None:
        todo = list(self.graph.dependents(node))
        while todo:
            dependent = todo.pop()
            if dependent not in self.outcomes:
                self.outcomes[dependent] = StepOutcome(dependent, StepState.SKIPPED, reason=reason)
                todo.extend(self.graph.dependents(dependent))

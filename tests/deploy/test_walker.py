"""The ready-pool walker with fake steps and events: order, concurrency bound, failures.

Steps block on threading.Events that the test releases; nothing sleeps and no assertion
depends on timing. `queue.get(timeout=...)` only turns a hang into a failure.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

import pytest

from infragen.dag import Graph
from infragen.deploy.walker import StepState, WalkResult, walk

WAIT = 10  # seconds before a blocked test fails instead of hanging


class Gates:
    """Each step reports that it started, then waits until the test opens its gate."""

    def __init__(self, nodes: list[str]) -> None:
        self.started: queue.Queue[str] = queue.Queue()
        self.gates = {n: threading.Event() for n in nodes}
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def step(self, node: str) -> str:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.started.put(node)
        assert self.gates[node].wait(WAIT), f"{node} was never released"
        with self.lock:
            self.running -= 1
        return node

    def next_started(self) -> str:
        return self.started.get(timeout=WAIT)

    def release(self, node: str) -> None:
        self.gates[node].set()


def run_in_thread(fn: Callable[[], WalkResult[str]]) -> tuple[threading.Thread, list]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    thread.start()
    return thread, box


def test_dependencies_run_first_and_ties_go_by_name() -> None:
    graph = Graph({"c": {"a", "b"}, "b": {"a"}, "a": set(), "d": set()})
    order: list[str] = []
    result = walk(graph, lambda n: order.append(n) or n, max_parallel=1)
    # Serial: whatever is ready runs in name order, so "b" (ready after "a") beats "d".
    assert order == ["a", "b", "c", "d"]
    assert result.ok and all(o.state is StepState.DONE for o in result.outcomes.values())


def test_a_stack_starts_as_soon_as_its_own_dependencies_are_done() -> None:
    # slow and fast are independent; after depends only on fast. With level batching,
    # "after" would wait for "slow"; with a ready pool it starts while "slow" still runs.
    graph = Graph({"slow": set(), "fast": set(), "after": {"fast"}})
    gates = Gates(graph.nodes)
    thread, box = run_in_thread(lambda: walk(graph, gates.step, max_parallel=4))
    assert {gates.next_started(), gates.next_started()} == {"slow", "fast"}
    gates.release("fast")
    assert gates.next_started() == "after"  # "slow" is still blocked
    assert not gates.gates["slow"].is_set()
    gates.release("after")
    gates.release("slow")
    thread.join(WAIT)
    assert box[0].ok


def test_never_more_than_max_parallel_steps_at_once() -> None:
    nodes = [f"n{i}" for i in range(6)]
    graph = Graph({n: set() for n in nodes})
    gates = Gates(nodes)
    thread, box = run_in_thread(lambda: walk(graph, gates.step, max_parallel=2))
    first = [gates.next_started(), gates.next_started()]
    assert gates.started.empty()
    for _ in range(len(nodes) - 2):
        # A new step can only start after one finishes: release one, expect exactly one.
        gates.release(first.pop(0))
        first.append(gates.next_started())
    for node in first:
        gates.release(node)
    thread.join(WAIT)
    assert box[0].ok
    assert gates.peak == 2


def test_failure_skips_dependents_transitively_and_independents_carry_on() -> None:
    graph = Graph({"net": set(), "db": {"net"}, "app": {"db"}, "web": {"app"}, "other": set()})

    def step(node: str) -> str:
        if node == "db":
            raise RuntimeError("boom")
        return node

    result = walk(graph, step, max_parallel=3)
    states = {n: o.state for n, o in result.outcomes.items()}
    assert states == {
        "net": StepState.DONE,
        "db": StepState.FAILED,
        "app": StepState.SKIPPED,
        "web": StepState.SKIPPED,
        "other": StepState.DONE,
    }
    assert result.outcomes["db"].reason == "RuntimeError: boom"
    assert result.outcomes["app"].reason == "dependency db failed"
    # Transitive dependents name the root failure, not the intermediate skip.
    assert result.outcomes["web"].reason == "dependency db failed"
    assert not result.ok


def test_a_returned_failure_counts_like_an_exception() -> None:
    graph = Graph({"a": set(), "b": {"a"}})
    result = walk(
        graph,
        lambda n: {"a": False, "b": True}[n],
        succeeded=bool,
        describe_failure=lambda _: "said no",
    )
    assert result.outcomes["a"].state is StepState.FAILED
    assert result.outcomes["a"].reason == "said no"
    assert result.outcomes["b"].state is StepState.SKIPPED


def test_stop_lets_running_steps_finish_and_starts_nothing_new() -> None:
    graph = Graph({"a": set(), "b": set(), "c": {"a"}})
    stop = threading.Event()
    gates = Gates(graph.nodes)
    thread, box = run_in_thread(lambda: walk(graph, gates.step, max_parallel=1, stop=stop))
    assert gates.next_started() == "a"
    stop.set()  # as Ctrl-C does
    gates.release("a")
    thread.join(WAIT)
    result = box[0]
    assert result.interrupted and not result.ok
    assert result.outcomes["a"].state is StepState.DONE
    assert result.outcomes["b"].reason == "interrupted"
    assert result.outcomes["c"].reason == "interrupted"
    assert gates.started.empty()


def test_keyboard_interrupt_while_waiting_calls_on_interrupt_with_running_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infragen.deploy import walker

    graph = Graph({"a": set(), "b": {"a"}})
    real_wait = walker.wait
    calls = {"n": 0}

    def wait_then_interrupt(*args: object, **kwargs: object):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt  # what Ctrl-C raises in the waiting main thread
        return real_wait(*args, **kwargs)

    monkeypatch.setattr(walker, "wait", wait_then_interrupt)
    seen: list[list[str]] = []
    result = walk(graph, lambda n: n, on_interrupt=seen.append)
    assert seen == [["a"]]
    assert result.interrupted
    assert result.outcomes["a"].state is StepState.DONE
    assert result.outcomes["b"].reason == "interrupted"


def test_max_parallel_must_be_positive() -> None:
    with pytest.raises(ValueError):
        walk(Graph({"a": set()}), lambda n: n, max_parallel=0)

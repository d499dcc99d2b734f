"""A pure graph on stack ids: edges point from a stack to the stacks it depends on."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


class Graph:
    """Immutable dependency graph; validated once at construction."""

    def __init__(self, dependencies: Mapping[str, Iterable[str]]) -> None:
        self._deps: dict[str, frozenset[str]] = {
            node: frozenset(deps) for node, deps in sorted(dependencies.items())
        }
        unknown = {d for deps in self._deps.values() for d in deps} - set(self._deps)
        if unknown:
            raise KeyError(f"dependencies on unknown nodes: {sorted(unknown)}")
        dependents: dict[str, set[str]] = {node: set() for node in self._deps}
        for node, deps in self._deps.items():
            for dep in deps:
                dependents[dep].add(node)
        self._dependents = {n: frozenset(d) for n, d in dependents.items()}
        cycle = self.find_cycle()
        if cycle:
            raise CycleError(cycle)

    @property
    def nodes(self) -> list[str]:
        return list(self._deps)

    def dependencies(self, node: str) -> frozenset[str]:
        return self._deps[node]

    def dependents(self, node: str) -> frozenset[str]:
        return self._dependents[node]

    def edges(self) -> list[tuple[str, str]]:
        """(stack, dependency) pairs, sorted."""
        return sorted((n, d) for n, deps in self._deps.items() for d in deps)

    def find_cycle(self) -> list[str] | None:
        """One cycle as [a, b, ..., a], or None. Iterative DFS (no recursion limit)."""
        white, grey, black = 0, 1, 2
        color = dict.fromkeys(self._deps, white)
        for start in self._deps:
            if color[start] != white:
                continue
            stack: list[tuple[str, list[str]]] = [(start, sorted(self._deps[start]))]
            path = [start]
            color[start] = grey
            while stack:
                node, pending = stack[-1]
                if not pending:
                    color[node] = black
                    stack.pop()
                    path.pop()
                    continue
                nxt = pending.pop(0)
                if color[nxt] == grey:
                    return [*path[path.index(nxt) :], nxt]
                if color[nxt] == white:
                    color[nxt] = grey
                    path.append(nxt)
                    stack.append((nxt, sorted(self._deps[nxt])))
        return None

    def topological_order(self) -> list[str]:
        """Dependencies first; ties broken by name so the order is stable."""
        remaining = {n: len(d) for n, d in self._deps.items()}
        ready = [n for n, count in remaining.items() if count == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            node = heapq.heappop(ready)
            order.append(node)
            for dependent in self._dependents[node]:
                remaining[dependent] -= 1
                if remaining[dependent] == 0:
                    heapq.heappush(ready, dependent)
        return order

    def closure(self, nodes: Iterable[str]) -> set[str]:
        """`nodes` plus everything they depend on, transitively."""
        seen: set[str] = set()
        todo = list(nodes)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(self._deps[node])
        return seen

    def subgraph(self, nodes: Iterable[str]) -> Graph:
        keep = set(nodes)
        return Graph({n: self._deps[n] & keep for n in keep})

    def reversed(self) -> Graph:
        """Dependents become dependencies: the order to delete in."""
        return Graph({n: self._dependents[n] for n in self._deps})

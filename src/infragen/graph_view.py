"""Text and Mermaid views of a stack graph."""

from __future__ import annotations

from infragen.dag import Graph


def text(graph: Graph) -> str:
    lines = []
    for node in graph.topological_order():
        deps = sorted(graph.dependencies(node))
        lines.append(f"{node} <- {', '.join(deps)}" if deps else node)
    return "\n".join(lines)


def mermaid(graph: Graph) -> str:
    ids = {node: f"n{i}" for i, node in enumerate(graph.topological_order())}
    lines = ["flowchart LR"]
    lines += [f'  {ids[node]}["{node}"]' for node in ids]
    lines += [f"  {ids[dep]} --> {ids[node]}" for node, dep in graph.edges()]
    return "\n".join(lines)

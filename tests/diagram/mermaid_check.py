"""A structural check of the Mermaid flowcharts infragen writes (no Mermaid CLI here): the
header, balanced subgraphs, safe ids, quoted labels, and edges only between declared nodes."""

from __future__ import annotations

import re

ID = r"[A-Za-z][A-Za-z0-9_]*"
LABEL = r'"[^"]*"'
NODE = re.compile(rf"^({ID})\[{LABEL}\]$")
SUBGRAPH = re.compile(rf"^subgraph ({ID})\[{LABEL}\]$")
EDGE = re.compile(rf"^({ID}) -->(?:\|{LABEL}\|)? ({ID})$")


def parse_flowchart(text: str) -> tuple[set[str], list[tuple[str, str]], dict[str, list[str]]]:
    """(node ids, edges, subgraph id -> the node ids directly inside it); AssertionError on any
    line a flowchart would not accept."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines and re.match(r"^flowchart (LR|TD|TB|RL|BT)$", lines[0]), lines[:1]
    nodes: set[str] = set()
    edges: list[tuple[str, str]] = []
    stack: list[str] = []
    inside: dict[str, list[str]] = {}
    for line in lines[1:]:
        if m := SUBGRAPH.match(line):
            assert m.group(1) not in inside, f"subgraph declared twice: {line}"
            stack.append(m.group(1))
            inside[m.group(1)] = []
        elif line == "end":
            assert stack, "end without subgraph"
            stack.pop()
        elif m := NODE.match(line):
            assert m.group(1) not in nodes, f"node declared twice: {line}"
            nodes.add(m.group(1))
            if stack:
                inside[stack[-1]].append(m.group(1))
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            raise AssertionError(f"not a flowchart line: {line!r}")
    assert not stack, f"unclosed subgraphs: {stack}"
    for source, target in edges:
        assert source in nodes and target in nodes, f"edge to an undeclared node: {source, target}"
    return nodes, edges, inside

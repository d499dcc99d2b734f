"""An app's picture before it is drawn: grouped nodes, their places, and the edges between them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    id: str
    label: str
    stack: str
    members: list[str]  # the logical ids this node stands for (repeats grouped into one)
    place: tuple[str, ...] = ()  # nested subgraphs inside its stack: ("VPC", "Public subnets")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass
class Picture:
    app: str
    stacks: list[str]
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: set[Edge] = field(default_factory=set)

"""A Picture as a Mermaid flowchart: one subgraph per stack, the VPC and its subnet tiers
nested inside the network stack's, nodes outside any stack (Internet, other apps) at the top."""

from __future__ import annotations

import re

from infragen.diagram.model import Node, Picture


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _subgraph_id(*parts: str) -> str:
    return "sg_" + re.sub(r"[^A-Za-z0-9]", "_", "__".join(parts))


def flowchart(picture: Picture) -> str:
    lines = ["flowchart LR"]
    loose = [node for node in picture.nodes.values() if not node.stack]
    lines += [f"  {node.id}[{_quote(node.label)}]" for node in sorted(loose, key=lambda n: n.id)]
    for sid in picture.stacks:
        members = [node for node in picture.nodes.values() if node.stack == sid]
        if not members:
            continue
        lines.append(f"  subgraph {_subgraph_id(sid)}[{_quote(sid)}]")
        lines += _nested(members, (sid,), depth=0)
        lines.append("  end")
    for edge in sorted(picture.edges, key=lambda e: (e.source, e.target, e.label)):
        arrow = f"-->|{_quote(edge.label)}|" if edge.label else "-->"
        lines.append(f"  {edge.source} {arrow} {edge.target}")
    return "\n".join(lines)


def _nested(nodes: list[Node], path: tuple[str, ...], depth: int) -> list[str]:
    """Nodes placed at this depth, then one subgraph per next place name, recursively."""
    pad = "  " * (depth + 2)
    here = [node for node in nodes if len(node.place) == depth]
    lines = [f"{pad}{node.id}[{_quote(node.label)}]" for node in here]
    deeper: dict[str, list[Node]] = {}
    for node in nodes:
        if len(node.place) > depth:
            deeper.setdefault(node.place[depth], []).append(node)
    for name, inner in deeper.items():
        lines.append(f"{pad}subgraph {_subgraph_id(*path, name)}[{_quote(name)}]")
        lines += _nested(inner, (*path, name), depth + 1)
        lines.append(f"{pad}end")
    return lines

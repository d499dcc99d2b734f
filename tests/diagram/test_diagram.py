"""`infragen diagram` on the example's rendered dev templates: valid Mermaid, the structure the
templates imply, and readable sizes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from diagram.mermaid_check import parse_flowchart
from infragen.cfn_template import Template
from infragen.diagram.build import app_names, build_picture
from infragen.diagram.mermaid import flowchart

DEV = Path(__file__).resolve().parents[2] / "templates_out" / "dev"


def _chart(app: str) -> str:
    return flowchart(build_picture(DEV, app))


def _edge_lines(chart: str) -> set[str]:
    return {line.strip() for line in chart.splitlines() if "-->" in line}


@pytest.mark.parametrize("app", app_names(DEV))
def test_every_app_is_a_valid_flowchart(app: str) -> None:
    nodes, edges, _ = parse_flowchart(_chart(app))
    assert nodes and edges


def test_vpc_and_subnet_tiers_are_subgraphs() -> None:
    _, _, inside = parse_flowchart(_chart("omnigen"))
    public = inside["sg_omnigen_network__VPC__Public_subnets"]
    assert set(public) == {"omnigen_network__PublicSubnet", "omnigen_network__NatGateway1"}
    private = inside["sg_omnigen_network__VPC__Private_app_subnets"]
    assert "omnigen_network__EcrApiEndpoint" in private
    assert "omnigen_network__Vpc" in inside["sg_omnigen_network__VPC"]


def test_repeated_resources_are_grouped() -> None:
    chart = _chart("omnigen")
    assert 'omnigen_network__PublicSubnet["PublicSubnet x2<br/>' in chart
    assert "PublicSubnet1" not in chart and "PublicSubnet2" not in chart


def test_edges_follow_refs_parameters_rules_and_integrations() -> None:
    omnigen = _edge_lines(_chart("omnigen"))
    # a security-group rule fed by a cross-stack parameter, with its port
    assert 'omnigen_alb__SecurityGroup -->|"8080"| omnigen_api__SecurityGroup' in omnigen
    # ingress open to the internet on the public ALB
    assert 'internet -->|"443"| omnigen_alb__SecurityGroup' in omnigen
    # a Parameter fed by another stack's output, drawn to the resource behind the output
    assert "omnigen_api__Service --> omnigen_alb__ApiTargetGroup" in omnigen
    cats = _edge_lines(_chart("cat-detector"))
    # HTTP API route -> integration -> the ALB listener, contracted to one edge
    assert "cat_detector_api__Api --> cat_detector_alb__Listener80" in cats
    assert "cat_detector_alb__DetectorTargetGroup --> cat_detector_function__Function" in cats
    # everything in the VPC refers to it; the subgraph says so instead of an edge
    assert not any(line.endswith("__Vpc") for line in omnigen | cats)


def test_the_largest_app_stays_readable() -> None:
    """tsdevstack: plumbing and alarms left out, repeats grouped."""
    resources = sum(
        len(Template.read(path).resources) for path in (DEV / "tsdevstack").glob("*.yaml")
    )
    nodes, _, _ = parse_flowchart(_chart("tsdevstack"))
    assert resources > 150
    assert len(nodes) < resources / 2
    assert not any("Alarm" in node for node in nodes)


def test_cli_markdown_fences_each_app(invoke: Callable[..., Result]) -> None:
    result = invoke(
        "--templates-dir", str(DEV.parent), "diagram", "--env", "dev", "--format", "markdown"
    )
    assert result.exit_code == 0
    blocks = re.findall(r"### (\S+)\n\n```mermaid\n(.*?)\n```", result.output, re.S)
    assert [name for name, _ in blocks] == app_names(DEV)
    for _, chart in blocks:
        parse_flowchart(chart)


def test_cli_unknown_app_is_a_usage_error(invoke: Callable[..., Result]) -> None:
    result = invoke("--templates-dir", str(DEV.parent), "diagram", "--env", "dev", "nope")
    assert result.exit_code == 2
    assert "no app 'nope'" in result.output and "hint: apps: " in result.output


def test_graph_mermaid_is_a_valid_flowchart(invoke: Callable[..., Result]) -> None:
    result = invoke(
        "--config-dir",
        str(DEV.parents[1] / "config"),
        "graph",
        "--env",
        "dev",
        "--format",
        "mermaid",
    )
    assert result.exit_code == 0
    nodes, edges, _ = parse_flowchart(result.output)
    stacks = json.loads((DEV / "manifest.json").read_text())["order"]
    assert len(nodes) == len(stacks) and edges

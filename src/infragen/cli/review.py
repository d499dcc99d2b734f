"""Offline review of an env's rendered templates: cost, diagram."""

from __future__ import annotations

import click

from infragen.cli.commands import command
from infragen.cli.options import (
    ENV_OPTION,
    Settings,
    format_option,
    pass_settings,
)


@command("cost")
@ENV_OPTION
@format_option("text", "markdown", "json")
@click.option(
    "--compare-to",
    "compare_to",
    metavar="REF",
    help="A git ref (or a templates_out/<env>/manifest.json) to print the monthly delta against.",
)
@pass_settings
def cost(settings: Settings, env: str, fmt: str, compare_to: str | None) -> None:
    """Offline monthly cost estimate of ENV from its rendered templates and config `usage:`.

    Prices are the list prices shipped with infragen (date and source in the footer);
    resources it cannot price are listed as not estimated. Never calls AWS.
    """
    from infragen.cost.estimate import estimate_env
    from infragen.cost.report import render as render_cost

    estimate = estimate_env(settings.config_dir, settings.templates_dir, env)
    base = None
    if compare_to:
        from infragen.cost.baseline import baseline_cost

        base = baseline_cost(compare_to, settings.config_dir, settings.templates_dir, env)
    click.echo(render_cost(estimate, fmt, base))


@command("diagram")
@ENV_OPTION
@click.argument("app", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "markdown"]),
    default="mermaid",
    show_default=True,
    help="markdown: one ```mermaid block per app, as GitHub renders it.",
)
@pass_settings
def diagram(settings: Settings, env: str, app: str | None, fmt: str) -> None:
    """Mermaid flowchart of each app of ENV (or APP) from its rendered templates, offline.

    Stacks and the VPC's subnet tiers are subgraphs; repeated resources are grouped; edges
    follow Ref/GetAtt, cross-stack parameters, security-group rules and integrations.
    """
    from infragen.diagram.render import diagram as draw

    click.echo(draw(settings.templates_dir / env, app, fmt))

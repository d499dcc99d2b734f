"""The offline sections a PR comment adds under the plan: the cost delta and, collapsed, the
diagrams of the apps that change."""

from __future__ import annotations

from pathlib import Path

from infragen.cost.baseline import baseline_cost
from infragen.cost.estimate import estimate_env
from infragen.cost.prices import UnknownRegionError
from infragen.cost.report import render as render_cost
from infragen.diagram.render import diagram


def pr_sections(
    config_dir: Path,
    templates_dir: Path,
    env: str,
    apps: list[str],
    cost_base: str | None,
) -> str:
    """Markdown: the env's cost (with its delta against `cost_base`, a git ref or manifest),
    then one collapsed Mermaid diagram per app in `apps`."""
    try:
        estimate = estimate_env(config_dir, templates_dir, env)
    except UnknownRegionError as error:  # the plan still stands without its price
        parts = [f"> Cost not estimated: {error.message} ({error.hint})."]
    else:
        base = None
        if cost_base:
            base = baseline_cost(cost_base, config_dir, templates_dir, env)
        parts = [render_cost(estimate, "markdown", base)]
    for app in apps:
        chart = diagram(templates_dir / env, app, "markdown").partition("\n\n")[2]
        parts.append(f"<details><summary>Diagram: {app}</summary>\n\n{chart}\n\n</details>")
    return "\n\n".join(parts) + "\n"

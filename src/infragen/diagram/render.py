"""`infragen diagram`: the pictures of an env's apps as Mermaid, or Markdown with fences."""

from __future__ import annotations

from pathlib import Path

from infragen.diagram.build import app_names, build_picture
from infragen.diagram.mermaid import flowchart


def diagram(env_dir: Path, app: str | None, fmt: str) -> str:
    apps = [app] if app else app_names(env_dir)
    charts = {name: flowchart(build_picture(env_dir, name)) for name in apps}
    if fmt == "mermaid":
        return "\n\n".join(charts.values())
    return "\n\n".join(f"### {name}\n\n```mermaid\n{chart}\n```" for name, chart in charts.items())

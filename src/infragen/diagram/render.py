"""`infragen diagram`: the pictures of an env's apps as Mermaid, or Markdown with fences."""

from __future__ import annotations

from pathlib import Path

from infragen.diagram.build import UnknownAppError, apps_of, picture_of, read_rendered
from infragen.diagram.mermaid import flowchart


def diagram(env_dir: Path, app: str | None, fmt: str) -> str:
    manifest, templates = read_rendered(env_dir)
    known = apps_of(manifest)
    if app is not None and app not in known:
        raise UnknownAppError(f"no app {app!r} in {env_dir}", f"apps: {', '.join(known)}")
    apps = [app] if app else known
    charts = {name: flowchart(picture_of(manifest, templates, name)) for name in apps}
    if fmt == "mermaid":
        return "\n\n".join(charts.values())
    return "\n\n".join(f"### {name}\n\n```mermaid\n{chart}\n```" for name, chart in charts.items())

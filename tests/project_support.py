"""Helpers for tests that work on a copy of the example project."""

from __future__ import annotations

from pathlib import Path


def add_app(project: Path, env: str, app_yaml: str) -> None:
    """Add an app (YAML indented as under `apps:`) to config/<env>.yaml, keeping the rest.

    Tests that need one more stack beside the example add it this way rather than replacing
    the env file, whose per-env values the example's stacks need.
    """
    path = project / "config" / f"{env}.yaml"
    text = path.read_text()
    head, sep, tail = text.partition("\napps:\n")
    assert sep, f"{path} has no top-level apps: key"
    path.write_text(head + sep + app_yaml + tail)

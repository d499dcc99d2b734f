"""Helpers for tests that work on a project of their own or a copy of the example."""

from __future__ import annotations

from pathlib import Path

import pytest


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


def new_project(
    root: Path, monkeypatch: pytest.MonkeyPatch, defaults: str, dev: str = "{}\n"
) -> Path:
    """A project at `root` with `defaults` as config/defaults.yaml and `dev` as dev.yaml,
    made the working directory; the small projects tests break one input of."""
    (root / "config").mkdir(parents=True)
    (root / "config" / "defaults.yaml").write_text(defaults)
    (root / "config" / "dev.yaml").write_text(dev)
    monkeypatch.chdir(root)
    return root


def override(stack: str, body: str, app: str = "shop") -> str:
    """dev.yaml setting vars of one stack of `app`; `body` is indented for `vars:`."""
    return f"apps:\n  {app}:\n    stacks:\n      {stack}:\n        vars:\n{body}"

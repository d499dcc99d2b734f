"""Render refuses a literal secret that lint (E9702) would flag, at the value's config location,
without printing it; the same decision (infragen.facts.secrets) answers both."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from project_support import new_project

CANARY = "hunter2-canary-5d1e"

STACK = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      fn:
        blueprint: foundation.sample_blueprints:Settings
        vars:
          settings:
            LOG_LEVEL: info
            {name}: {value}
"""


def _render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result], name, value
) -> tuple[Result, Path]:
    new_project(tmp_path, monkeypatch, STACK.format(name=name, value=value))
    return invoke("render"), tmp_path


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DB_PASS", CANARY, "literal value for DB_PASS"),
        ("DATABASE_URL", f"postgres://admin:{CANARY}@db/app", "password in a connection string"),
        ("SETTINGS", f'"mode=fast\\nDB_PASSWORD={CANARY}"', "literal value for DB_PASSWORD"),
        (
            "CONFIG_B64",
            base64.b64encode(f"password: {CANARY}".encode()).decode(),
            "base64 of a literal value for password",
        ),
    ],
)
def test_render_refuses_a_literal_secret_where_it_is_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    invoke: Callable[..., Result],
    name: str,
    value: str,
    reason: str,
) -> None:
    result, project = _render(tmp_path, monkeypatch, invoke, name, value)
    assert result.exit_code == 2, result.output
    column = 13 + len(name) + 2
    assert result.output.startswith(f"config/defaults.yaml:11:{column}: "), result.output
    assert f"settings.{name}: {reason}" in result.output
    assert "hint:" in result.output
    assert CANARY not in result.output
    assert not (project / "templates_out").exists()


def test_ordinary_settings_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    result, _ = _render(tmp_path, monkeypatch, invoke, "password_encryption", "scram-sha-256")
    assert result.exit_code == 0, result.output

"""Names users choose (env file names, app and stack keys) and paths they pass, refused with
the real reason before anything is written or linted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from foundation.test_config_errors import DEFAULTS
from infragen.facts.names import stack_name_problem
from project_support import new_project


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return new_project(tmp_path, monkeypatch, DEFAULTS)


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ("my env", "must be lowercase letters, digits and '-'"),
        ("UPPER", "must be lowercase letters, digits and '-'"),
        (".hidden", "must be lowercase letters, digits and '-'"),
        ("e" * 57, "is 57 characters long; at most 31 are allowed"),
    ],
)
def test_env_file_names_follow_the_name_rule(
    project: Path, invoke: Callable[..., Result], env: str, reason: str
) -> None:
    (project / "config" / f"{env}.yaml").write_text("{}\n")
    result = invoke("render")
    assert result.exit_code == 2
    assert f"config/{env}.yaml:1:1: environment name {env!r} {reason}" in result.stderr
    assert "rename the file" in result.stderr
    assert not (project / "templates_out").exists()


def test_a_long_stack_name_is_refused_for_its_length(
    project: Path, invoke: Callable[..., Result]
) -> None:
    name = "s" * 120
    (project / "config" / "dev.yaml").write_text(
        f"apps:\n  shop:\n    stacks:\n      {name}:\n        blueprint: network\n"
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert f"stack name '{name}' is 120 characters long; at most 31" in result.stderr
    assert "must be lowercase" not in result.stderr


def test_composed_stack_name_limit_shows_the_arithmetic() -> None:
    assert stack_name_problem("acme", "prod", "shop", "api") is None
    problem = stack_name_problem("p" * 40, "e" * 40, "a" * 30, "s" * 20)
    assert problem is not None
    assert "would be 133 characters (40 + 40 + 30 + 20 + 3 dashes)" in problem
    assert "at most 128" in problem


def test_config_dir_that_is_a_file_is_named_as_such(
    project: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("--config-dir", "/dev/null", "list", "--env", "dev")
    assert result.exit_code == 2
    assert "config directory /dev/null is not a directory" in result.stderr


def test_lint_env_cannot_leave_templates_out(project: Path, invoke: Callable[..., Result]) -> None:
    (project / "stray.yaml").write_text("Resources: {}\n")
    assert invoke("render").exit_code == 0
    result = invoke("lint", "--env", "..")
    assert result.exit_code == 2
    assert "--env ..: environment name '..' must be lowercase" in result.stderr
    assert "stray.yaml" not in result.output

"""AWS allows 50 tags per resource; render counts them after the standard tags are added."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from infragen.lint.runner import lint_text
from project_support import new_project


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> Path:
    tags = "\n".join(f"  Tag{i:02d}: v" for i in range(count))
    return new_project(
        tmp_path,
        monkeypatch,
        f"""\
project: acme
region: us-east-1
tags:
{tags}
apps:
  shop:
    stacks:
      settings:
        blueprint: foundation.sample_blueprints:Settings
        vars:
          settings:
            MODE: fast
""",
    )


def test_51_tags_per_resource_is_a_config_error_with_the_arithmetic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    project = _project(tmp_path, monkeypatch, 47)
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert (
        "shop/settings: resource Setting0 would carry 51 tags: 4 standard (Project, "
        "Environment, App, Stack) + 47 from config + 0 of its own; AWS allows 50 per resource"
    ) in result.output
    assert "hint: remove 1 tag" in result.output
    assert not (project / "templates_out").exists()


def test_50_tags_render_and_lint_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    project = _project(tmp_path, monkeypatch, 46)
    result = invoke("render")
    assert result.exit_code == 0, result.output
    text = (project / "templates_out" / "dev" / "shop" / "settings.yaml").read_text()
    assert text.count("Tag45: v") == 1
    assert [f for f in lint_text(text) if f["rule"] == "E9103"] == []
    # one more tag by hand: the rule counts as render does
    over = text.replace("Tag45: v", "Tag45: v\n        Tag46: v")
    assert [f["path"] for f in lint_text(over) if f["rule"] == "E9103"] == [
        "Resources/Setting0/Properties/Tags"
    ]

"""A secret never arrives as an `!env` default, and no Parameter Description repeats a default.

`!env NAME:default` writes the default into the manifest (deploy reads it from there), so on a
secret it would be committed in clear. Render refuses it with a located config error that does
not print the value either. The canary below is not a secret; the tests assert it never appears
in what infragen writes or prints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from project_support import new_project

CANARY = "canary-hunter2-7f3a"

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
            CODE_OBJECT: !env CODE_OBJECT:shop/fn.zip
            {name}: {value}
"""


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> Path:
    new_project(tmp_path, monkeypatch, STACK.format(name=name, value=value))
    return tmp_path


def _written(project: Path) -> str:
    out = project / "templates_out"
    if not out.exists():
        return ""
    return "\n".join(p.read_text() for p in sorted(out.rglob("*")) if p.is_file())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # a secret-looking variable filling a plain field
        ("DB_HOST", f"!env DB_PW:{CANARY}"),
        ("DB_HOST", f"!env STRIPE_KEY:{CANARY}"),
        # a secret field filled from a neutral variable
        ("DB_PASSWORD", f"!env SOME_VALUE:{CANARY}"),
        ("API_TOKEN", f"!env V1:{CANARY}"),
    ],
)
def test_a_default_on_a_secret_is_a_located_config_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    invoke: Callable[..., Result],
    name: str,
    value: str,
) -> None:
    project = _project(tmp_path, monkeypatch, name, value)
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("config/defaults.yaml:11:"), result.output
    assert "default" in result.output and "secret" in result.output
    assert "hint:" in result.output
    assert CANARY not in result.output
    assert CANARY not in _written(project)


def test_a_default_on_a_plain_value_renders_without_repeating_it_in_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    project = _project(tmp_path, monkeypatch, "LOG_LEVEL", "!env LOG_LEVEL:warning-level")
    result = invoke("render")
    assert result.exit_code == 0, result.output
    template = (project / "templates_out" / "dev" / "shop" / "fn.yaml").read_text()
    assert "Description: '!env LOG_LEVEL (set by infragen)'" in template
    assert "Description: '!env CODE_OBJECT (set by infragen)'" in template
    assert "warning-level" not in template and "shop/fn.zip" not in template
    # deploy still finds the (non-secret) default in the manifest
    manifest = json.loads((project / "templates_out" / "dev" / "manifest.json").read_text())
    sources = {
        p["source"]["name"]: p["source"]
        for p in manifest["stacks"]["shop/fn"]["parameters"].values()
    }
    assert sources["LOG_LEVEL"]["default"] == "warning-level"
    assert sources["CODE_OBJECT"]["default"] == "shop/fn.zip"

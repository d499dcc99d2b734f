"""`infragen schema`: the config files' JSON Schema, as an editor checks a file with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result
from jsonschema.exceptions import best_match

from infragen.config.loader import load_yaml_file
from infragen.config.tags import ConfigTag
from infragen.schema import config_schema

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def as_editor_sees(path: Path) -> Any:
    """The file's values with each tag as the tagged scalar an editor sees: a string."""

    def plain(value: Any) -> Any:
        if isinstance(value, ConfigTag):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(load_yaml_file(path).data)


def problems(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    """`path: message` per error, an `anyOf`'s (an optional block's) by its best branch."""
    best = (best_match([e]) for e in validator.iter_errors(data))
    return sorted("/".join(str(p) for p in e.absolute_path) + ": " + e.message for e in best)


@pytest.mark.parametrize("name", ["defaults", "dev", "staging", "prod"])
def test_the_example_config_is_valid(validator: jsonschema.Draft202012Validator, name: str) -> None:
    assert problems(validator, as_editor_sees(REPO / "config" / f"{name}.yaml")) == []


BROKEN = """\
project: shop
regoin: us-east-1
apps:
  orders:
    stacks:
      table:
        blueprint: dynamodb-table
        vars:
          partition_key: {name: id, type: X}
          biling_mode: PROVISIONED
      function:
        blueprint: lambda-function
        vars:
          memory_mb: lots
          zip: {s3_bucket: !env CODE_BUCKET, s3_key: a.zip, runtime: python2.7, handler: a.b}
          environment:
            TABLE: !stack_output orders/table::TableName
      worker:
        blueprint: lamda-function
"""


def test_a_broken_config_fails_where_it_is_broken(
    validator: jsonschema.Draft202012Validator, tmp_path: Path
) -> None:
    path = tmp_path / "defaults.yaml"
    path.write_text(BROKEN)
    found = problems(validator, as_editor_sees(path))
    assert len(found) == 6, found
    expected = [
        ": Additional properties are not allowed ('regoin' was unexpected)",
        "apps/orders/stacks/function/vars/memory_mb: 'lots' is not of type 'integer'",
        "apps/orders/stacks/function/vars/zip/runtime: 'python2.7' is not one of ",
        "apps/orders/stacks/table/vars/partition_key/type: 'X' is not one of ['S', 'N', 'B']",
        "apps/orders/stacks/table/vars: Additional properties are not allowed ('biling_mode' "
        "was unexpected)",
        "apps/orders/stacks/worker/blueprint: 'lamda-function' is not valid under any of the "
        "given schemas",
    ]
    for text, problem in zip(expected, found, strict=True):  # sorted by path
        assert problem.startswith(text), (text, problem)


def test_schema_command_writes_what_init_wires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "shop").exit_code == 0
    written = tmp_path / "shop/.infragen/config.schema.json"
    before = written.read_text()
    result = invoke("schema", "shop/.infragen")
    assert result.output == "wrote shop/.infragen/config.schema.json\n"
    assert written.read_text() == before  # deterministic: regenerating changes nothing
    for name in ("defaults", "dev"):
        config = tmp_path / f"shop/config/{name}.yaml"
        first = config.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../.infragen/config.schema.json"
        assert (config.parent / "../.infragen/config.schema.json").resolve() == written
    settings = json.loads((tmp_path / "shop/.vscode/settings.json").read_text())
    assert "!stack_output scalar" in settings["yaml.customTags"]

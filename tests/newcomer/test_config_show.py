"""`infragen config show --origin / --with-defaults`: where each value comes from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from infragen.config.loader import load_yaml_file
from infragen.config.project import load_raw
from infragen.config.show import dump_config

DEFAULTS = """\
project: shop
region: us-east-1
apps:
  orders:
    stacks:
      function:
        blueprint: lambda-function
        vars:
          zip: {s3_bucket: code, s3_key: orders.zip, runtime: python3.12, handler: app.handler}
          environment:
            TABLE: !stack_output orders/table::TableName
          policy:
            - actions: [dynamodb:PutItem]
              resources: [!stack_output orders/table::TableArn]
      table:
        blueprint: dynamodb-table
        vars:
          partition_key: {name: order_id}
"""
DEV = """\
apps:
  orders:
    stacks:
      function:
        vars:
          memory_mb: 256
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/defaults.yaml").write_text(DEFAULTS)
    (tmp_path / "config/dev.yaml").write_text(DEV)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_origin_names_the_file_and_line_of_each_value(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("config", "show", "--env", "dev", "--stack", "orders/function", "--origin")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "blueprint: lambda-function  # config/defaults.yaml:7",
        "vars:",
        "  zip:",
        "    s3_bucket: code  # config/defaults.yaml:9",
        "    s3_key: orders.zip  # config/defaults.yaml:9",
        "    runtime: python3.12  # config/defaults.yaml:9",
        "    handler: app.handler  # config/defaults.yaml:9",
        "  environment:",
        "    TABLE: !stack_output 'orders/table::TableName'  # config/defaults.yaml:11",
        "  policy:",
        "    - actions:",
        "        - dynamodb:PutItem  # config/defaults.yaml:13",
        "      resources:",
        "        - !stack_output 'orders/table::TableArn'  # config/defaults.yaml:14",
        "  memory_mb: 256  # config/dev.yaml:6",
        # Inherited from the env, so shown resolved (as a comment: the YAML still loads).
        "# deploys to: caller's account, us-east-1",
    ]


def test_the_whole_config_with_origins_reads_back_as_the_same_yaml(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("config", "show", "--env", "dev", "--origin")
    shown = shop / "shown.yaml"
    shown.write_text(result.output)
    data, _ = load_raw(shop / "config", "dev")
    assert dump_config(load_yaml_file(shown).data) == dump_config(data)
    assert "  orders:\n    stacks:\n      function:\n" in result.output


def test_with_defaults_adds_what_the_blueprint_fills_in(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    args = ("config", "show", "--env", "dev", "--stack", "orders/function", "--with-defaults")
    plain = invoke(*args)
    assert plain.exit_code == 0, plain.output
    assert "  timeout_seconds: 3\n" in plain.output
    assert "  memory_mb: 256\n" in plain.output  # written in dev.yaml: not the default 128
    assert "  - actions:\n    - dynamodb:PutItem\n" in plain.output
    assert "    sid: null\n" in plain.output  # a list item's defaults too
    lines = invoke(*args, "--origin").output.splitlines()
    assert "  timeout_seconds: 3  # default of lambda-function" in lines
    assert "  memory_mb: 256  # config/dev.yaml:6" in lines
    # the whole config: every stack's vars get their own blueprint's defaults
    whole = invoke("config", "show", "--env", "dev", "--with-defaults", "--origin").output
    assert "billing_mode: PAY_PER_REQUEST  # default of dynamodb-table" in whole

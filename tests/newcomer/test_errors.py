"""Errors that teach: every mistake of a config in one run, located, with "did you mean"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

DEFAULTS = """\
project: shop
region: us-east-1
apps:
  orders:
    stacks:
      network:
        blueprint: network
        vars:
          cidr: 10.40.0.0/12
          az_count: 2
          subnets:
            public: [10.40.0.0/24, 10.40.1.0/24]
      table:
        blueprint: dynamodb-table
        vars:
          partition_key: {name: order_id}
          biling_mode: PROVISIONED
      worker:
        blueprint: lamda-function
      function:
        blueprint: lambda-function
        vars:
          memory_mb: lots
          zip: {s3_bucket: code, s3_key: orders.zip, runtime: python3.12, handler: app.handler}
          environment:
            TABLE: !stack_output orders/tabel::TableName
            TABLE_ARN: !stack_output orders/table::TableArm
            VPC: !stack_output orders/network::VpcIdd
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/defaults.yaml").write_text(DEFAULTS)
    (tmp_path / "config/dev.yaml").write_text("apps: {}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_mistake_is_reported_in_one_run(shop: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("render")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[-1] == "7 configuration errors; nothing was written"
    expected = [
        # a network whose host bits are set, and what the network would be
        "config/defaults.yaml:9:17: cidr: 10.40.0.0/12 has host bits set: a /12 network "
        "starts at 10.32.0.0",
        "  hint: write 10.32.0.0/12 (the /12 network containing 10.40.0.0), or a longer prefix "
        "for a smaller network",
        # a misspelt var name
        "config/defaults.yaml:17:11: biling_mode: unknown key 'biling_mode'",
        "  hint: did you mean 'billing_mode'? remove it or fix the spelling; allowed here: "
        "billing_mode, capacity, partition_key, sort_key, stream, ttl_attribute",
        # a misspelt blueprint
        "config/defaults.yaml:19:20: unknown blueprint 'lamda-function'",
        # a bad value: the hint points at the blueprint's own description of the field
        "config/defaults.yaml:23:22: memory_mb: Input should be a valid integer, unable to "
        "parse string as an integer",
        "  hint: expected int parsing, got 'lots'; `infragen blueprints lambda-function` "
        "describes `memory_mb`",
        # a misspelt stack id, and misspelt outputs: one of a stack whose own vars failed
        "config/defaults.yaml:26:20: !stack_output orders/tabel::TableName refers to stack "
        "'orders/tabel', which does not exist",
        "  hint: did you mean 'orders/table'? run `infragen list --env dev` to see the stacks",
        "config/defaults.yaml:27:24: !stack_output orders/table::TableArm: stack orders/table "
        "(dynamodb-table) has no output 'TableArm'",
        "  hint: did you mean 'TableArn'? it declares: TableArn, TableName",
        "config/defaults.yaml:28:18: !stack_output orders/network::VpcIdd: stack orders/network "
        "(network) has no output 'VpcIdd'",
    ]
    for line in expected:
        assert line in lines, line
    hint = lines[lines.index(expected[4]) + 1]
    assert hint.startswith("  hint: did you mean 'lambda-function'? known blueprints: ")
    assert lines[lines.index(expected[-1]) + 1].startswith("  hint: did you mean 'VpcId'? ")


def test_a_misspelt_app_in_an_env_file_is_named_not_turned_into_a_new_app(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    (shop / "config/defaults.yaml").write_text(
        "project: shop\nregion: us-east-1\napps:\n  orders:\n    stacks:\n      table:\n"
        "        blueprint: dynamodb-table\n        vars: {partition_key: {name: id}}\n"
    )
    (shop / "config/dev.yaml").write_text(
        "apps:\n  ordres:\n    stacks:\n      table:\n        vars: {billing_mode: PROVISIONED}\n"
    )
    result = invoke("render")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "config/dev.yaml:2:3: app 'ordres' of dev.yaml is not an app of defaults.yaml, so it "
        "is a new app here and each of its stacks needs `blueprint:`",
        "  hint: did you mean 'orders'? to change an app of defaults.yaml, write its name as "
        "there: orders",
        "1 configuration error; nothing was written",
    ]


def test_a_new_app_of_an_env_file_with_its_blueprints_is_fine(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    (shop / "config/defaults.yaml").write_text("project: shop\nregion: us-east-1\n")
    (shop / "config/dev.yaml").write_text(
        "apps:\n  orders:\n    stacks:\n      table:\n        blueprint: dynamodb-table\n"
        "        vars: {partition_key: {name: id}}\n"
    )
    result = invoke("render")
    assert result.exit_code == 0, result.output


def test_a_misspelt_env_stack_or_tag_gets_a_suggestion(
    shop: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("list", "--env", "deev")
    assert result.exit_code == 2
    assert "  hint: did you mean 'dev'? environments are the files in config: dev" in (
        result.output
    )

    (shop / "config/defaults.yaml").write_text(
        "project: shop\nregion: us-east-1\napps:\n  orders:\n    stacks:\n      table:\n"
        "        blueprint: dynamodb-table\n        vars: {partition_key: {name: id}}\n"
    )
    result = invoke("config", "show", "--env", "dev", "--stack", "orders/tabel")
    assert result.exit_code == 2
    assert "no stack 'orders/tabel' in dev; did you mean 'orders/table'?" in result.output

    (shop / "config/dev.yaml").write_text("tags:\n  Owner: !stack_ouput orders/table::Name\n")
    result = invoke("render")
    assert result.exit_code == 2
    assert "config/dev.yaml:2:10: unknown YAML tag !stack_ouput" in result.output
    assert "  hint: did you mean '!stack_output'? known tags: " in result.output


def test_a_valid_network_keeps_its_plain_message(shop: Path, invoke: Callable[..., Result]) -> None:
    (shop / "config/defaults.yaml").write_text(DEFAULTS.replace("10.40.0.0/12", "10.40.0.0/33"))
    result = invoke("render")
    assert "cidr: 10.40.0.0/33 has host bits" not in result.output
    assert "  hint: write an IPv4 network such as 10.0.0.0/16 (host bits zero)" in result.output

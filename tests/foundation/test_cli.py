"""CLI: fast start-up, list/graph/config show, exit codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from project_support import add_app


def test_help_imports_no_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from infragen.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('boto3', 'botocore', 'troposphere', 'cfnlint', 'pydantic', 'rich',"
        " 'awacs') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    assert "Exit codes: 0 ok" in out.stdout


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infragen", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("infragen, version ")


def test_list_shows_deploy_order_and_names(project: Path, invoke: Callable[..., Result]) -> None:
    add_app(
        project,
        "dev",
        "  shop:\n    stacks:\n      api:\n"
        "        blueprint: foundation.sample_blueprints:Consumer\n"
        "        vars: {vpc_id: !stack_output omnigen/network::VpcId}\n",
    )
    result = invoke("list", "--env", "dev")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    names = [line.split()[1] for line in lines]
    assert names.index("omnigen/network") < names.index("shop/api")
    assert "acme-dev-shop-api  (after omnigen/network)" in result.output


def test_graph_mermaid(project: Path, invoke: Callable[..., Result]) -> None:
    add_app(
        project,
        "dev",
        "  shop:\n    stacks:\n      api:\n"
        "        blueprint: foundation.sample_blueprints:Consumer\n"
        "        depends_on: [omnigen/network]\n"
        "        vars: {vpc_id: vpc-123}\n",
    )
    result = invoke("graph", "--env", "dev", "--format", "mermaid")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart LR")
    ids = {
        line.split("[")[0].strip(): line.split('"')[1]
        for line in result.output.splitlines()
        if "[" in line
    }
    rev = {v: k for k, v in ids.items()}
    assert f"  {rev['omnigen/network']} --> {rev['shop/api']}" in result.output
    text = invoke("graph", "--env", "dev")
    assert "shop/api <- omnigen/network" in text.output


def test_config_show_merges_env_over_defaults(project: Path, invoke: Callable[..., Result]) -> None:
    result = invoke("config", "show", "--env", "prod", "--stack", "omnigen/network")
    assert result.exit_code == 0
    assert "nat: per_az" in result.output
    assert "- 10.0.11.0/24" in result.output
    dev = invoke("config", "show", "--env", "dev", "--stack", "omnigen/network")
    assert "nat: single" in dev.output and "10.0.11.0/24" not in dev.output
    missing = invoke("config", "show", "--env", "dev", "--stack", "nope/x")
    assert missing.exit_code == 2
    assert "no stack 'nope/x' in dev" in missing.output


def test_usage_error_exits_2(invoke: Callable[..., Result]) -> None:
    result = invoke("list")
    assert result.exit_code == 2
    assert "Missing option '--env'" in result.output


def test_blueprints_lists_and_describes(invoke: Callable[..., Result]) -> None:
    listing = invoke("blueprints")
    assert listing.exit_code == 0
    assert listing.output.startswith("network ") or "\nnetwork " in listing.output
    shown = invoke("blueprints", "network")
    assert "  cidr                           cidr  (required)" in shown.output
    assert (
        "nat                            one of 'per_az', 'single', 'none'  (default 'single')"
        in (shown.output)
    )
    assert "  VpcId                          The VPC id" in shown.output
    unknown = invoke("blueprints", "nope")
    assert unknown.exit_code == 2
    assert "unknown blueprint 'nope'" in unknown.stderr


def test_blueprints_describe_nested_optional_and_deploy_time_fields(
    invoke: Callable[..., Result],
) -> None:
    shown = invoke("blueprints", "lambda-function").output
    row = "  vpc.subnet_ids                 list[str] | !tag  "
    assert row + "(required when vpc is given)" in shown
    assert "  environment                    map[str | !tag]  (default {})" in shown

"""CLI: fast start-up, list/graph/config show, exit codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from infragen.cli import cli
from infragen.cli.commands import COMMANDS
from infragen.cli.root import InfragenContext
from project_support import add_app


def modules_after(*args: str) -> tuple[str, list[str]]:
    """What `infragen ARGS` prints, and the modules it imported (a fresh interpreter)."""
    code = (
        "import sys\n"
        "from infragen.cli import main\n"
        "sys.argv = ['infragen', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    text, modules = out.stdout.split("MODULES ")
    return text, modules.split()


HEAVY = ("boto3", "botocore", "troposphere", "cfnlint", "pydantic", "rich", "awacs", "yaml", "moto")


def test_help_imports_no_command_module_and_nothing_heavy() -> None:
    text, modules = modules_after("--help")
    assert "Exit codes: 0 ok" in text
    assert "  render      Render templates_out/" in text
    ours = [m for m in modules if m.split(".")[0] == "infragen"]
    assert ours == ["infragen", "infragen.cli", "infragen.cli.commands", "infragen.cli.root"]
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []
    assert "shutil" not in modules  # see InfragenContext


@pytest.mark.parametrize("columns", ["", "0", "40", "64", "120", "wide"])
def test_help_is_as_wide_as_click_makes_it(monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    assert InfragenContext(cli).make_formatter().width == click.HelpFormatter().width


def test_a_command_imports_only_the_module_that_defines_it() -> None:
    text, modules = modules_after("render", "--help")
    assert "Usage: infragen render [OPTIONS]" in text
    command_modules = {entry.module for entry in COMMANDS.values()}
    assert command_modules & set(modules) == {"infragen.cli.templates"}


def test_every_listed_command_is_the_command_its_module_defines() -> None:
    """The table `infragen --help` lists from names each command, and its short help is the
    first sentence of that command's own help (so the listing says what `--help` says)."""
    root = click.Context(cli)
    assert cli.list_commands(root) == sorted(COMMANDS)
    for name, entry in COMMANDS.items():
        command = cli.get_command(root, name)
        assert isinstance(command, click.Command), name
        assert command.name == name
        assert command.callback is not None and command.callback.__module__ == entry.module
        assert command.short_help == entry.short_help
        first_sentence = click.Command(name, help=command.help).get_short_help_str(10_000)
        assert first_sentence == entry.short_help, name


def test_a_misspelt_command_is_refused_with_the_closest_name(
    invoke: Callable[..., Result],
) -> None:
    result = invoke("rendr")
    assert result.exit_code == 2
    assert "No such command 'rendr'." in result.output
    if hasattr(click.exceptions, "NoSuchCommand"):  # click 8.4+ suggests a name
        assert "Did you mean 'render'?" in result.output
    assert "Did you mean" not in invoke("frobnicate").output


def test_shell_completion_offers_the_commands() -> None:
    found = [item.value for item in cli.shell_complete(click.Context(cli), "d")]
    assert found == ["delete", "deploy", "diagram", "diff", "drift"]
    inner = cli.get_command(click.Context(cli), "config")
    assert isinstance(inner, click.Group)
    assert [item.value for item in inner.shell_complete(click.Context(inner), "")] == ["show"]


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


def test_a_long_cell_overflows_its_own_row_only(capsys: pytest.CaptureFixture[str]) -> None:
    """`status` shows an orphan's long reason in the middle column: the other rows keep their
    alignment instead of all moving right by its length."""
    from infragen.cli.options import print_grouped_table

    reason = "not in config: pending deletion; prune refuses: " + "x" * 60
    rows = [("app/net", "yes", "git abc"), ("app/old", reason, "git def")]
    print_grouped_table(("stack", "matches", "from"), [("", rows)])
    assert capsys.readouterr().out.splitlines() == [
        "stack    matches  from",
        "app/net  yes      git abc",
        f"app/old  {reason}  git def",
    ]

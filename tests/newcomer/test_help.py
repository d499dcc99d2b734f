"""--help as a newcomer reads it: every option of every command says what it does, an option
that several commands share (deploy, plan, delete, …) says it the same way in each, and
README's option tables under "Deploying" list exactly the options the commands have."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from infragen.aws.status import StackStatus, next_step
from infragen.cli import cli
from infragen.deploy.progress import summary_line
from infragen.deploy.result import Outcome, RunSummary, StackResult


def command_named(name: str, group: click.Group = cli) -> click.Command:
    """The command as click resolves it (the root group loads each from its module)."""
    command = group.get_command(click.Context(group), name)
    assert command is not None, name
    return command


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name in group.list_commands(click.Context(group)):
        command = command_named(name, group)
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} ")
        else:
            yield path, command


def options(command: click.Command) -> Iterator[click.Option]:
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in ("help", "version"):
            yield param


def test_every_option_has_help() -> None:
    missing = [
        f"infragen {path} {param.opts[0]}"
        for path, command in commands()
        for param in options(command)
        if not (param.help or "").strip()
    ]
    assert missing == []


def test_a_shared_option_reads_the_same_in_every_deploy_time_command() -> None:
    seen: dict[str, dict[str, str]] = {}
    for path, command in commands():
        if not any(param.name == "endpoint_url" for param in command.params):
            continue
        for param in options(command):
            seen.setdefault(param.opts[0], {})[path] = param.help or ""
    differing = {opt: helps for opt, helps in seen.items() if len(set(helps.values())) > 1}
    # deploy --only leaves out dependencies, delete --only dependents; deploy asks only in
    # production, delete always: their help says which.
    assert sorted(differing) == ["--only", "--yes"]


def test_every_command_help_runs_and_shows_its_exit_codes_where_it_has_findings() -> None:
    runner = CliRunner()
    for path, _ in commands():
        result = runner.invoke(cli, [*path.split(), "--help"], prog_name="infragen")
        assert result.exit_code == 0, (path, result.output)
        assert "Usage: infragen " + path in result.output
    for path in ("deploy", "plan", "delete", "status", "diff", "drift", "lint"):
        assert "Exit 1" in " ".join(runner.invoke(cli, [path, "--help"]).output.split()), path


def test_deploy_time_options_name_their_environment_variables() -> None:
    text = " ".join(CliRunner().invoke(cli, ["deploy", "--help"]).output.split())
    for variable in (
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "INFRAGEN_CONNECT_TIMEOUT",
        "INFRAGEN_READ_TIMEOUT",
        "INFRAGEN_MAX_ATTEMPTS",
        "INFRAGEN_TIMEOUT",
        "INFRAGEN_ACCOUNT_CHECK",
    ):
        assert f"Env: {variable}" in text, variable


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_options(heading: str) -> set[str]:
    """The options in the first column of the table that follows `heading` in "Deploying"."""
    section = README.read_text().split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    table = section.split(heading, 1)[1].split("\n\n", 2)[1]
    return {
        match.group(1)
        for row in table.splitlines()[2:]
        for match in re.finditer(r"`(--[a-z-]+)", row.split(" | ")[0])
    }


def long_options(command: click.Command) -> set[str]:
    return {
        opt
        for param in options(command)
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    }


@pytest.mark.parametrize("name", ["deploy", "plan", "delete"])
def test_readme_option_tables_are_the_commands_options(name: str) -> None:
    command = command_named(name)
    common = readme_options("**Options of every deploy-time command**")
    wanted = long_options(command) - {"--env", "--account-check"}
    assert readme_options(f"`{name}` options:") | common == wanted


@pytest.mark.parametrize("state", [s.value for s in StackStatus])
def test_the_advice_for_a_stack_state_runs_as_pasted(state: str) -> None:
    """`status`, `deploy` and `plan` say what to run about a stack (README "When things go
    wrong"); each `infragen …` command in that advice names the env and parses as written."""
    advice = next_step(state, "shop-dev-orders-table", "dev")
    for command in re.findall(r"`(infragen [^`]*)`", advice):
        args = shlex.split(command)[1:]
        assert "--env" in args and args[args.index("--env") + 1] == "dev", command
        command_named(args[0]).make_context(args[0], args[1:])  # a UsageError if it would not


def test_the_summary_counts_one_stack_in_the_singular() -> None:
    one = [StackResult("orders/table", "shop-dev-orders-table", Outcome.DELETED)]
    assert summary_line(RunSummary(one)) == "1 stack: 1 deleted"
    assert summary_line(RunSummary(one * 2)) == "2 stacks: 2 deleted"

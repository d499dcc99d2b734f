"""--help as a newcomer reads it: every option of every command says what it does, and an
option that several commands share (deploy, plan, delete, …) says it the same way in each."""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

from infragen.cli import cli


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
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
    for path in ("deploy", "plan", "status", "diff", "drift", "lint"):
        assert "Exit 1" in runner.invoke(cli, [path, "--help"]).output, path


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

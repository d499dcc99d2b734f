"""What the commands share: settings, common options, the deploy-time context, output helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from infragen.errors import EXIT_FINDINGS

if TYPE_CHECKING:
    from pathlib import Path

    from infragen.deploy.context import Context

T = TypeVar("T")


@dataclass
class Settings:
    config_dir: Path
    templates_dir: Path


pass_settings = click.make_pass_decorator(Settings)


ENV_OPTION = click.option(
    "--env", "env", required=True, metavar="ENV", help="Environment (a file in the config dir)."
)


STACKS_ARGUMENT = click.argument("stacks", nargs=-1, metavar="[APP/STACK]...")

MAX_PARALLEL_OPTION = click.option(
    "--max-parallel",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Stacks worked on at once (each starts once the stacks it waits for are done).",
)


def format_option(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--format, the first choice the default, shown in --help as the other commands do."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="Output format.",
    )


@dataclass(frozen=True)
class AwsFlags:
    """--endpoint-url / --profile / --region as one value for the deploy-time commands."""

    endpoint_url: str | None
    profile: str | None
    region: str | None
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 4
    timeout: float | None = None
    account_check: bool = True


def aws_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the AWS flags to a command, which receives them as one `aws: AwsFlags`."""

    @functools.wraps(func)
    def command(
        *args: Any,
        endpoint_url: str | None,
        profile: str | None,
        region: str | None,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        timeout: float | None,
        account_check: bool,
        **kwargs: Any,
    ) -> Any:
        flags = AwsFlags(
            endpoint_url,
            profile,
            region,
            connect_timeout,
            read_timeout,
            max_attempts,
            timeout,
            account_check,
        )
        return func(*args, aws=flags, **kwargs)

    command = click.option(
        "--account-check/--no-account-check",
        default=True,
        show_default=True,
        envvar="INFRAGEN_ACCOUNT_CHECK",
        help="Before plan, deploy or delete writes anything, check that the credentials of "
        "each stack reach the account_id config gives it (STS GetCallerIdentity). "
        "Env: INFRAGEN_ACCOUNT_CHECK.",
    )(command)
    command = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        envvar="INFRAGEN_TIMEOUT",
        metavar="SECONDS",
        help="Give up the whole command after this long (no new call, retry or wait "
        "starts). Env: INFRAGEN_TIMEOUT.",
    )(command)
    command = click.option(
        "--max-attempts",
        type=click.IntRange(1, 20),
        default=4,
        show_default=True,
        envvar="INFRAGEN_MAX_ATTEMPTS",
        help="Attempts per AWS call, retries included (each retry prints a line). "
        "Env: INFRAGEN_MAX_ATTEMPTS.",
    )(command)
    command = click.option(
        "--read-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=20.0,
        show_default=True,
        envvar="INFRAGEN_READ_TIMEOUT",
        metavar="SECONDS",
        help="Seconds to wait for each AWS reply before retrying. Env: INFRAGEN_READ_TIMEOUT.",
    )(command)
    command = click.option(
        "--connect-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=5.0,
        show_default=True,
        envvar="INFRAGEN_CONNECT_TIMEOUT",
        metavar="SECONDS",
        help="Seconds to wait for a connection to the AWS endpoint. Env: INFRAGEN_CONNECT_TIMEOUT.",
    )(command)
    command = click.option(
        "--region", metavar="REGION", help="Override the region from the config/manifest."
    )(command)
    command = click.option(
        "--profile",
        envvar="AWS_PROFILE",
        metavar="NAME",
        help="AWS profile to use (else the env's `profile:` in config). Env: AWS_PROFILE.",
    )(command)
    return click.option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        metavar="URL",
        help="Send AWS calls here (e.g. a local emulator). Env: AWS_ENDPOINT_URL.",
    )(command)


def deploy_context(
    settings: Settings,
    env: str,
    aws: AwsFlags,
    *,
    verify: bool = True,
) -> Context:
    import time

    from infragen.aws.gateway import AwsSettings
    from infragen.deploy.context import Target, open_context
    from infragen.deploy.progress import make_reporter

    target = Target(
        settings.config_dir,
        settings.templates_dir,
        env,
        AwsSettings(
            region=aws.region,
            profile=aws.profile,
            endpoint_url=aws.endpoint_url,
            max_attempts=aws.max_attempts,
            connect_timeout=aws.connect_timeout,
            read_timeout=aws.read_timeout,
            deadline=time.monotonic() + aws.timeout if aws.timeout else None,
        ),
        verify=verify,
        check_accounts=aws.account_check,
    )
    return open_context(target, make_reporter())


#: Widest a table column grows for alignment; longer cells overflow their own row.
TABLE_CELL_WIDTH = 48


def print_grouped_table(
    header: tuple[str, ...], groups: list[tuple[str, list[tuple[str, ...]]]]
) -> None:
    """One table, aligned across groups; a titled group starts with `== title ==`.

    A column is as wide as its longest cell up to TABLE_CELL_WIDTH: a longer cell (an orphan's
    reason, an error) runs over into its own row only, instead of pushing every row's next
    columns off the screen."""
    rows = [row for _, group in groups for row in group]
    widths = [_column_width([str(row[i]) for row in [header, *rows]]) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        cells = [str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)]
        return "  ".join(cells).rstrip()

    click.echo(line(header))
    for title, group in groups:
        if title:
            click.echo(f"== {title} ==")
        for row in group:
            click.echo(line(row))


def _column_width(cells: list[str]) -> int:
    return max((len(c) for c in cells if len(c) <= TABLE_CELL_WIDTH), default=TABLE_CELL_WIDTH)


def by_place(
    context: Context, items: list[T], stack_id: Callable[[T], str]
) -> list[tuple[str, list[T]]]:
    """`items` (one per stack) grouped by account and region, each group titled; one
    untitled group when the env uses a single account and region. Rows of stacks config
    no longer has (orphans) come last, under their own title."""
    stacks = context.manifest.stacks
    by_id = {stack_id(item): item for item in items if stack_id(item) in stacks}
    groups = context.manifest.by_place(by_id)
    if len(groups) <= 1:
        return [("", items)]
    titled = [(str(place), [by_id[sid] for sid in sids]) for place, sids in groups]
    others = [item for item in items if stack_id(item) not in stacks]
    return titled + ([("not in config", others)] if others else [])


def exit_for(ok: bool) -> None:
    if not ok:
        raise click.exceptions.Exit(EXIT_FINDINGS)

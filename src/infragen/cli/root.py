"""The root command group: global options, commands loaded from the table in
infragen.cli.commands when they run, and errors mapped to messages and exit codes."""

from __future__ import annotations

from gettext import gettext
from typing import TYPE_CHECKING

import click

from infragen import __version__
from infragen.cli.commands import COMMANDS

if TYPE_CHECKING:
    from pathlib import Path

# An exception infragen did not expect is its own bug, not the user's: sysexits' EX_SOFTWARE.
EXIT_BUG = 70
DEBUG_ENV = "INFRAGEN_DEBUG"


class PathArg:
    """`click.Path(path_type=PathArg)` gives a pathlib.Path, importing pathlib (and the URL
    and IP address modules it pulls in) only when a command runs, not for `--help`."""

    def __new__(cls, value: str) -> Path:  # type: ignore[misc]
        from pathlib import Path

        return Path(value)


class InfragenContext(click.Context):
    """click's context, its help formatter as wide as click makes it, found without importing
    shutil: with bz2, lzma and zlib that import was ~2 ms of the ~50 of `infragen --help`."""

    def make_formatter(self) -> click.HelpFormatter:
        # CliRunner forces a width through FORCED_WIDTH: click's own path honours it.
        if self.terminal_width is not None or click.formatting.FORCED_WIDTH is not None:
            return super().make_formatter()
        width = max(min(terminal_columns(), self.max_content_width or 80) - 2, 50)
        return self.formatter_class(width=width, max_width=self.max_content_width)


def terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`, as shutil finds it: $COLUMNS, else stdout's
    terminal, else 80."""
    import os
    import sys

    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class InfragenGroup(click.Group):
    """Loads each command from the module COMMANDS names, only when that command runs (so
    `--help` lists them from the table and imports none).

    Turns InfragenError into its message, hint and exit code, and any other exception into
    one line saying it is an infragen bug: never a traceback unless --debug asks for it.
    click's own exceptions (usage errors, Exit, Abort) and KeyboardInterrupt pass through, so
    click and deploy's Ctrl-C handling behave as they always did.
    """

    context_class = InfragenContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        command: click.Command = getattr(importlib.import_module(entry.module), entry.attr)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except getattr(click.exceptions, "NoSuchCommand", ()) as exc:
            # click 8.4+ says "Did you mean" from self.commands, which holds only the commands
            # added directly, not the table's: look for a close name among every command.
            if exc.possibilities:
                raise
            names = self.list_commands(ctx)
            raise type(exc)(exc.command_name, possibilities=names, ctx=ctx) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with a stand-in for each table command: its short help without
        importing it, shortened to the terminal's width as click shortens any help."""
        listed = [
            (name, click.Command(name, help=COMMANDS[name].short_help))
            if name in COMMANDS
            else (name, self.commands[name])
            for name in self.list_commands(ctx)
        ]
        rows = [(name, command) for name, command in listed if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section(gettext("Commands")):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx: click.Context) -> object:
        from infragen.errors import InfragenError

        try:
            return super().invoke(ctx)
        except InfragenError as exc:
            click.echo(exc.render(), err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:  # `infragen list | head`: click stops quietly (exit 1)
            raise
        except Exception as exc:
            report_bug(exc, debug=bool(ctx.find_root().params.get("debug")))
            ctx.exit(EXIT_BUG)


def report_bug(exc: BaseException, *, debug: bool) -> None:
    """The last resort: one line on stderr (the traceback above it only with --debug)."""
    if debug:
        import traceback

        click.echo("".join(traceback.format_exception(exc)).rstrip("\n"), err=True)
    where = "" if debug else f"; run again with --debug (or {DEBUG_ENV}=1) to see the traceback"
    click.echo(
        f"infragen: internal error {type(exc).__name__}: {_one_line(exc)}. This is an infragen "
        f"bug: report it to the infragen maintainers with the command you ran{where}",
        err=True,
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")


@click.group(cls=InfragenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="infragen")
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=PathArg),
    default="config",
    show_default=True,
    envvar="INFRAGEN_CONFIG_DIR",
    help="Directory with defaults.yaml and one <env>.yaml per environment.",
)
@click.option(
    "--templates-dir",
    type=click.Path(file_okay=False, path_type=PathArg),
    default="templates_out",
    show_default=True,
    envvar="INFRAGEN_TEMPLATES_DIR",
    help="Where rendered templates are written and read.",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar=DEBUG_ENV,
    help=f"Show the traceback of an internal error (an infragen bug). Env: {DEBUG_ENV}=1.",
)
@click.pass_context
def cli(ctx: click.Context, config_dir: Path, templates_dir: Path, debug: bool) -> None:
    """Typed CloudFormation from YAML environment configs.

    Exit codes: 0 ok, 1 findings (stale templates, lint findings, failed stacks, drift),
    2 bad usage or bad config, 70 an infragen bug.
    """
    from infragen.cli.options import Settings

    ctx.obj = Settings(config_dir=config_dir, templates_dir=templates_dir)


def main() -> None:
    """Console entry point (`infragen`, `python -m infragen`)."""
    import os
    import sys

    try:
        cli(prog_name="infragen")
    except Exception as exc:  # outside a command (InfragenGroup handles those)
        flag = os.environ.get(DEBUG_ENV, "").lower() in ("1", "true", "yes", "on")
        report_bug(exc, debug=flag or "--debug" in sys.argv[1:])
        sys.exit(EXIT_BUG)

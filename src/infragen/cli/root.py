"""The root command group: global options, and errors mapped to messages and exit codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from infragen import __version__
from infragen.cli.options import PathArg, Settings
from infragen.errors import InfragenError

# An exception infragen did not expect is its own bug, not the user's: sysexits' EX_SOFTWARE.
EXIT_BUG = 70
DEBUG_ENV = "INFRAGEN_DEBUG"


class InfragenGroup(click.Group):
    """Turns InfragenError into its message, hint and exit code, and any other exception into
    one line saying it is an infragen bug: never a traceback unless --debug asks for it.

    click's own exceptions (usage errors, Exit, Abort) and KeyboardInterrupt pass through, so
    click and deploy's Ctrl-C handling behave as they always did.
    """

    def invoke(self, ctx: click.Context) -> object:
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


if TYPE_CHECKING:
    from pathlib import Path


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

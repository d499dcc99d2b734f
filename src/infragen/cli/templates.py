"""Commands on config and rendered templates: render, lint, list, graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from infragen.cli.commands import command
from infragen.cli.options import (
    ENV_OPTION,
    Settings,
    format_option,
    pass_settings,
)
from infragen.cli.root import PathArg

if TYPE_CHECKING:
    from pathlib import Path

    from infragen.render.service import RenderSummary


@command("render")
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="ENV",
    help="Render only this environment (repeatable). Default: every environment.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if templates_out/ is stale.")
@pass_settings
def render(settings: Settings, envs: tuple[str, ...], check: bool) -> None:
    """Render templates_out/<env>/<app>/<stack>.yaml, manifest.json and README.md for each
    environment."""
    from infragen.render.service import render as run_render

    summary = run_render(
        settings.config_dir, settings.templates_dir, list(envs) or None, check=check
    )
    where = settings.templates_dir
    if summary.check is not None:
        result = summary.check
        for label, paths in (
            ("stale", result.stale),
            ("missing", result.missing),
            ("extra", result.extra),
        ):
            for rel in paths:
                click.echo(f"{label}: {where / rel}")
        if not result.clean:
            from infragen.errors import StaleTemplatesError

            raise StaleTemplatesError(
                f"{where}/ is out of date with the config "
                f"({len(result.stale)} stale, {len(result.missing)} missing, "
                f"{len(result.extra)} extra)",
                "run `infragen render` and commit the templates with the config change",
            )
        click.echo(f"{where}/ is up to date ({summary.stack_count} stacks{_built(summary)})")
        return
    for note in summary.notes:
        click.echo(note, err=True)
    for rel in summary.changed:
        click.echo(f"wrote {where / rel}" if (where / rel).exists() else f"removed {where / rel}")
    click.echo(
        f"rendered {summary.stack_count} stacks in {len(summary.env_names)} environment(s); "
        f"{len(summary.changed)} file(s) changed{_built(summary)}"
    )


def _built(summary: RenderSummary) -> str:
    """How much work the render did: the others were known unchanged since the last one."""
    if summary.built == summary.stack_count:
        return ""
    return f"; {summary.built} built, the rest unchanged since the last render"


@command("list")
@ENV_OPTION
@format_option("text", "json")
@pass_settings
def list_stacks(settings: Settings, env: str, fmt: str) -> None:
    """Stacks of ENV in deploy order, with their CloudFormation names and dependencies."""
    from infragen.render.service import load_env

    loaded = load_env(settings.config_dir, env)
    order = loaded.graph.topological_order()
    if fmt == "json":
        import json

        rows = [
            {
                "stack": sid,
                "name": loaded.stacks[sid].cfn_name,
                "blueprint": loaded.stacks[sid].spec.blueprint,
                "depends_on": sorted(loaded.graph.dependencies(sid)),
                "account_id": loaded.stacks[sid].placement.account_id,
                "region": loaded.stacks[sid].region,
            }
            for sid in order
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(sid) for sid in order), default=0)
    # Account (`caller`: whatever the credentials reach, unchecked) and region: an env may
    # span several of each.
    places = {
        sid: f"{s.placement.account_id or 'caller':<12}  {s.region}"
        for sid, s in loaded.stacks.items()
    }
    place_width = max((len(p) for p in places.values()), default=0)
    for index, sid in enumerate(order, 1):
        deps = ", ".join(sorted(loaded.graph.dependencies(sid)))
        after = f"  (after {deps})" if deps else ""
        click.echo(
            f"{index:>3}. {sid:<{width}}  {places[sid]:<{place_width}}  "
            f"{loaded.stacks[sid].cfn_name}{after}"
        )


@command("graph")
@ENV_OPTION
@format_option("text", "mermaid")
@pass_settings
def graph(settings: Settings, env: str, fmt: str) -> None:
    """The stack dependency graph of ENV, as text or a Mermaid flowchart."""
    from infragen.graph_view import mermaid, text
    from infragen.render.service import load_env

    loaded = load_env(settings.config_dir, env)
    click.echo(mermaid(loaded.graph) if fmt == "mermaid" else text(loaded.graph))


@command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=PathArg))
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="ENV",
    help="Lint only templates_out/ENV (repeatable). Default: every template under templates_out/.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; json: a list of findings; sarif: SARIF 2.1.0.",
)
@click.option("--no-cache", is_flag=True, help="Re-lint every template, ignoring .infragen-cache/.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes. Default: one per CPU (a single template is linted in-process).",
)
@click.option(
    "--server/--no-server",
    default=False,
    envvar="INFRAGEN_LINT_SERVER",
    help="Hand templates to a resident lint process with cfn-lint already loaded, started in "
    "the background on first use and gone after 15 idle minutes: ~0.3 s instead of ~1.6 s "
    "for one changed template (the pre-commit hooks use it). Env: INFRAGEN_LINT_SERVER=1.",
)
@click.option(
    "--stop-server",
    is_flag=True,
    help="Stop the resident lint process of this infragen and exit (lints nothing).",
)
@pass_settings
def lint(
    settings: Settings,
    paths: tuple[Path, ...],
    envs: tuple[str, ...],
    fmt: str,
    no_cache: bool,
    jobs: int | None,
    server: bool,
    stop_server: bool,
) -> None:
    """cfn-lint plus infragen's security rules on rendered templates (PATHS or templates_out/).

    Exit 1 on any error or warning, 0 when clean (informational findings never fail).
    """
    if stop_server:
        from infragen.lint.server import stop

        pid = stop()
        click.echo(f"stopped the lint server (pid {pid})" if pid else "no lint server running")
        return

    from infragen.lint.report import render as render_report
    from infragen.lint.runner import run_lint

    report = run_lint(
        paths,
        envs=envs,
        jobs=jobs,
        use_cache=not no_cache,
        templates_dir=settings.templates_dir,
        server=server,
    )
    click.echo(render_report(report, fmt))
    click.get_current_context().exit(report.exit_code)

"""Starting and inspecting a project: init, schema, blueprints, config show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from infragen.cli.commands import command, group
from infragen.cli.options import (
    ENV_OPTION,
    Settings,
    pass_settings,
)
from infragen.cli.root import PathArg

if TYPE_CHECKING:
    from pathlib import Path


@command("blueprints")
@click.argument("name", required=False)
def blueprints_command(name: str | None) -> None:
    """List the blueprints, or show NAME's vars (type, default) and outputs."""
    from infragen.blueprints.describe import describe, list_blueprints

    if name:
        click.echo(describe(name))
        return
    for found, description in list_blueprints():
        click.echo(f"{found:<20} {description}")


@command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=PathArg))
@click.option("--project", metavar="NAME", help="The `project:` name. Default: from DIRECTORY.")
@click.option("--region", default="us-east-1", show_default=True, help="The `region:` of config.")
def init_command(directory: Path, project: str | None, region: str) -> None:
    """Start a new infragen project in DIRECTORY: config/, pre-commit hooks, .gitignore,
    editor support and GitHub Actions workflows.

    config/dev.yaml holds a working example app (table, Lambda, bucket trigger) to change;
    its function's code zip must be in S3 before it deploys (README "Your first app").
    Refuses to overwrite any existing file.
    """
    from infragen.scaffold import init_project

    for path in init_project(directory, project=project, region=region):
        click.echo(f"wrote {path}")
    where = "" if str(directory) == "." else f"cd {directory} && "
    click.echo(f"next: {where}infragen render && infragen lint")


@command("schema")
@click.argument(
    "directory", default=".infragen", type=click.Path(file_okay=False, path_type=PathArg)
)
def schema_command(directory: Path) -> None:
    """Write DIRECTORY/config.schema.json: the JSON Schema of the config files, for editors.

    Made from the config and blueprint models (installed plugins included), each stack's
    vars checked by its `blueprint:`. Config files name it on their first line for the YAML
    language server: `# yaml-language-server: $schema=../.infragen/config.schema.json`.
    """
    from infragen.schema import write_schema

    click.echo(f"wrote {write_schema(directory)}")


@group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("show")
@ENV_OPTION
@click.option("--stack", metavar="APP/STACK", help="Show only this stack's merged spec.")
@click.option("--origin", is_flag=True, help="Follow each value with the file:line it came from.")
@click.option(
    "--with-defaults", is_flag=True, help="Add the blueprint's default of every var not written."
)
@pass_settings
def config_show(
    settings: Settings, env: str, stack: str | None, origin: bool, with_defaults: bool
) -> None:
    """The merged config of ENV (defaults.yaml + ENV.yaml); deploy-time tags stay as tags."""
    from infragen.config.project import load_raw
    from infragen.config.show import show_config
    from infragen.render.service import load_env

    loaded = load_env(settings.config_dir, env)  # validate first: show only configs that load
    data, positions = load_raw(settings.config_dir, env)
    if stack and stack not in loaded.stacks and stack not in _all_stacks(data):
        from infragen.suggest import did_you_mean

        guess = did_you_mean(stack, _all_stacks(data))
        raise click.BadParameter(
            f"no stack {stack!r} in {env}" + (f"; {guess}" if guess else ""),
            param_hint="--stack",
        )
    text = show_config(
        data, positions, loaded.stacks, stack=stack, origin=origin, with_defaults=with_defaults
    )
    click.echo(text, nl=False)


def _all_stacks(data: dict[str, Any]) -> list[str]:
    """Every stack id the merged config names, disabled ones included."""
    apps = data.get("apps") or {}
    return [f"{app}/{name}" for app, spec in apps.items() for name in spec.get("stacks") or {}]

"""Each `infragen` command's name, the module that defines it and its one-line help.

The root group lists and loads commands from this table, so `infragen --help` imports none
of the command modules and `infragen render` imports only the module `render` is in. A
command takes its short help from here (`command()` below), so the listing and the command
never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import click


class Entry(NamedTuple):
    module: str  # the module that defines the command
    attr: str  # the click command (or group) in it
    short_help: str  # what `infragen --help` lists, shortened there to the terminal's width


COMMANDS: dict[str, Entry] = {
    "blueprints": Entry(
        "infragen.cli.project",
        "blueprints_command",
        "List the blueprints, or show NAME's vars (type, default) and outputs.",
    ),
    "config": Entry("infragen.cli.project", "config_group", "Inspect the configuration."),
    "cost": Entry(
        "infragen.cli.review",
        "cost",
        "Offline monthly cost estimate of ENV from its rendered templates and config `usage:`.",
    ),
    "delete": Entry(
        "infragen.cli.stacks",
        "delete",
        "Delete ENV's stacks (or the named ones and their dependents), consumers first.",
    ),
    "deploy": Entry(
        "infragen.cli.stacks",
        "deploy",
        "Deploy ENV (or the named stacks and their dependencies) in dependency order.",
    ),
    "diagram": Entry(
        "infragen.cli.review",
        "diagram",
        "Mermaid flowchart of each app of ENV (or APP) from its rendered templates, offline.",
    ),
    "diff": Entry(
        "infragen.cli.deployed",
        "diff",
        "Unified diff of deployed templates against templates_out/ENV, then each stack's "
        "Parameters, tags and termination protection (NoEcho values never shown).",
    ),
    "drift": Entry(
        "infragen.cli.deployed",
        "drift",
        "Detect drift on every deployed stack of ENV (or on the named ones), with each "
        "drifted property's expected and actual value (secret-looking ones masked).",
    ),
    "emulator": Entry(
        "infragen.cli.emulator",
        "emulator",
        "Run a local AWS emulator to deploy to, until Ctrl-C.",
    ),
    "graph": Entry(
        "infragen.cli.templates",
        "graph",
        "The stack dependency graph of ENV, as text or a Mermaid flowchart.",
    ),
    "init": Entry(
        "infragen.cli.project",
        "init_command",
        "Start a new infragen project in DIRECTORY: config/, pre-commit hooks, .gitignore, "
        "editor support and GitHub Actions workflows.",
    ),
    "lint": Entry(
        "infragen.cli.templates",
        "lint",
        "cfn-lint plus infragen's security rules on rendered templates (PATHS or templates_out/).",
    ),
    "list": Entry(
        "infragen.cli.templates",
        "list_stacks",
        "Stacks of ENV in deploy order, with their CloudFormation names and dependencies.",
    ),
    "outputs": Entry(
        "infragen.cli.deployed",
        "outputs",
        "Outputs of the deployed stacks of ENV (or of the named ones).",
    ),
    "plan": Entry(
        "infragen.cli.stacks",
        "plan",
        "Change sets for every stack that would change; nothing is executed.",
    ),
    "render": Entry(
        "infragen.cli.templates",
        "render",
        "Render templates_out/<env>/<app>/<stack>.yaml, manifest.json and README.md for each "
        "environment.",
    ),
    "schema": Entry(
        "infragen.cli.project",
        "schema_command",
        "Write DIRECTORY/config.schema.json: the JSON Schema of the config files, for editors.",
    ),
    "status": Entry(
        "infragen.cli.deployed",
        "status",
        "Deployed status of each stack of ENV (or of the named ones) and whether it matches "
        "the committed templates.",
    ),
}


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Command]:
    """`click.command(name)` with the short help this table gives it."""
    return click.command(name, short_help=COMMANDS[name].short_help, **kwargs)


def group(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], click.Group]:
    """`click.group(name)` with the short help this table gives it."""
    return click.group(name, short_help=COMMANDS[name].short_help, **kwargs)

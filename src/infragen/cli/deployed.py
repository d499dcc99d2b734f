"""Commands that read what is deployed: status, outputs, diff, drift."""

from __future__ import annotations

import click

from infragen.cli.commands import command
from infragen.cli.options import (
    ENV_OPTION,
    STACKS_ARGUMENT,
    AwsFlags,
    Settings,
    aws_options,
    by_place,
    deploy_context,
    exit_for,
    format_option,
    pass_settings,
    print_grouped_table,
)


@command("status")
@ENV_OPTION
@STACKS_ARGUMENT
@aws_options
@pass_settings
def status(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    aws: AwsFlags,
) -> None:
    """Deployed status of each stack of ENV (or of the named ones) and whether it matches
    the committed templates.

    Then, when no stack is named, the stacks config no longer has, as pending deletions.
    Exit 1 when any stack is failed, in progress, not deployed, stale, unreadable or no
    longer in config.
    """
    from infragen.deploy.status import status_env

    context = deploy_context(settings, env, aws, verify=False)
    rows = status_env(context, stacks)
    groups = [
        (
            title,
            [
                (
                    r.stack_id,
                    r.cfn_name,
                    r.status,
                    r.last_updated.strftime("%Y-%m-%d %H:%M:%S") if r.last_updated else "-",
                    r.match_text,
                    r.deployed_from or "-",
                )
                for r in group
            ],
        )
        for title, group in by_place(context, rows, lambda r: r.stack_id)
    ]
    header = (
        "stack",
        "CloudFormation name",
        "status",
        "last updated",
        "matches deployed",
        "deployed from",
    )
    print_grouped_table(header, groups)
    exit_for(all(r.ok for r in rows))


@command("outputs")
@ENV_OPTION
@STACKS_ARGUMENT
@format_option("text", "json")
@aws_options
@pass_settings
def outputs(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    fmt: str,
    aws: AwsFlags,
) -> None:
    """Outputs of the deployed stacks of ENV (or of the named ones)."""
    from infragen.deploy.outputs import outputs_env

    context = deploy_context(settings, env, aws, verify=False)
    found = outputs_env(context, stacks)
    if fmt == "json":
        import json

        click.echo(json.dumps(found, indent=2))
        return
    for title, sids in by_place(context, list(found), lambda sid: sid):
        if title:
            click.echo(f"== {title} ==")
        for sid in sids:
            click.echo(f"{sid}:" + ("" if found[sid] else " (no outputs)"))
            for key, value in found[sid].items():
                click.echo(f"  {key} = {value}")


@command("diff")
@ENV_OPTION
@STACKS_ARGUMENT
@aws_options
@pass_settings
def diff(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    aws: AwsFlags,
) -> None:
    """Unified diff of deployed templates against templates_out/ENV, then each stack's
    Parameters, tags and termination protection (NoEcho values never shown). Exit 1 when
    anything differs."""
    from infragen.deploy.diff import diff_env

    context = deploy_context(settings, env, aws, verify=False)
    diffs = diff_env(context, stacks)
    for item in diffs:
        if item.different:
            note = "" if item.deployed else " (not deployed)"
            click.echo(f"--- {item.stack_id}{note}")
            click.echo(item.diff, nl=False)
            for change in item.settings:
                click.echo(f"  {change.describe()}")
            if item.unresolved:
                click.echo(f"  parameters not compared: {item.unresolved}")
    changed = sum(1 for d in diffs if d.different)
    click.echo(f"{changed} of {len(diffs)} stack(s) differ from what is deployed", err=True)
    exit_for(changed == 0)


@command("drift")
@ENV_OPTION
@STACKS_ARGUMENT
@format_option("text", "json")
@aws_options
@pass_settings
def drift(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    fmt: str,
    aws: AwsFlags,
) -> None:
    """Detect drift on every deployed stack of ENV (or on the named ones), with each drifted
    property's expected and actual value (secret-looking ones masked). Exit 1 on drift (or
    when detection failed)."""
    from infragen.deploy.drift import drift_env, drift_json, drift_lines

    context = deploy_context(settings, env, aws, verify=False)
    rows = drift_env(context, stacks)
    if fmt == "json":
        import json

        click.echo(json.dumps(drift_json(rows), indent=2))
    else:
        for title, group in by_place(context, rows, lambda r: r.stack_id):
            if title:
                click.echo(f"== {title} ==")
            for line in drift_lines(group):
                click.echo(line)
    exit_for(not any(r.drifted or r.error for r in rows))

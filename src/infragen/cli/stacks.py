"""Commands that change what is deployed: deploy, plan, delete.

Each parses options, calls one function in infragen.deploy.*, and maps the result to an exit
code. boto3 is imported only inside these commands.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from infragen.cli.commands import command
from infragen.cli.options import (
    ENV_OPTION,
    MAX_PARALLEL_OPTION,
    STACKS_ARGUMENT,
    AwsFlags,
    Settings,
    aws_options,
    deploy_context,
    exit_for,
    format_option,
    pass_settings,
)
from infragen.cli.root import PathArg

if TYPE_CHECKING:
    from pathlib import Path

    from infragen.aws.types import StackEvent
    from infragen.deploy.recover import ConfirmRollback

ALLOW_STATEFUL_DELETE = click.option(
    "--allow-stateful-delete",
    "allow_stateful_delete",
    multiple=True,
    metavar="APP/STACK",
    help="Let deploy --prune / delete --orphans delete this stack config no longer has "
    "although it holds stateful resources (repeatable).",
)


@command("deploy")
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--only", is_flag=True, help="Deploy only the named stacks, not their dependencies.")
@click.option(
    "--method",
    type=click.Choice(["changeset", "direct"]),
    default="changeset",
    show_default=True,
    help="Change sets (reviewable) or direct CreateStack/UpdateStack.",
)
@MAX_PARALLEL_OPTION
@click.option(
    "--allow-replace",
    "allow_replace",
    multiple=True,
    metavar="LOGICAL_ID",
    help="Allow replacing/removing this stateful resource (repeatable).",
)
@click.option(
    "--allow-destructive", is_flag=True, help="Allow replacing/removing any stateful resource."
)
@click.option(
    "--replace-failed",
    is_flag=True,
    help="Delete and recreate stacks left in ROLLBACK_COMPLETE by a failed first create.",
)
@click.option(
    "--cancel-on-interrupt",
    is_flag=True,
    help="On Ctrl-C, cancel running updates instead of letting them finish.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Redeploy every selected stack, even when its deployed state matches.",
)
@click.option(
    "--continue-rollback",
    is_flag=True,
    help="Continue the rollback of stacks left in UPDATE_ROLLBACK_FAILED, then deploy them "
    "(asked on a terminal without it).",
)
@click.option(
    "--skip-resources",
    "skip_resources",
    multiple=True,
    metavar="LOGICAL_ID",
    help="With a continued rollback: leave this resource, which cannot roll back, as it is "
    "(repeatable).",
)
@click.option(
    "--allow-stateful-replace",
    is_flag=True,
    help="Production: lift the stack policy protecting stateful resources for this deploy "
    "(restored after).",
)
@click.option(
    "--disable-rollback",
    is_flag=True,
    help="Keep a failed create/update as it failed, for debugging (refused in production).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove what config no longer has: StackSet instances of targets it dropped and, "
    "after a successful deploy of the whole env, the stacks tagged for ENV it no longer has.",
)
@ALLOW_STATEFUL_DELETE
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Production envs: deploy without showing the plan and asking (for CI).",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=PathArg),
    metavar="PLANFILE",
    help="Execute exactly the change sets of this plan file (`infragen plan --save`), or "
    "refuse when anything moved since.",
)
@click.option(
    "--refresh-secrets",
    is_flag=True,
    help="Redeploy stacks that pass NoEcho parameters, so a rotated value reaches them "
    "(NoEcho values are never compared or stored).",
)
@click.option(
    "--allow-dirty",
    is_flag=True,
    help="Production: deploy although the git tree has uncommitted changes "
    "(stacks are tagged infragen:dirty=true).",
)
@aws_options
@pass_settings
def deploy(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    only: bool,
    method: str,
    max_parallel: int,
    allow_replace: tuple[str, ...],
    allow_destructive: bool,
    replace_failed: bool,
    cancel_on_interrupt: bool,
    force: bool,
    continue_rollback: bool,
    skip_resources: tuple[str, ...],
    allow_stateful_replace: bool,
    disable_rollback: bool,
    prune: bool,
    yes: bool,
    allow_stateful_delete: tuple[str, ...],
    plan_path: Path | None,
    refresh_secrets: bool,
    allow_dirty: bool,
    aws: AwsFlags,
) -> None:
    """Deploy ENV (or the named stacks and their dependencies) in dependency order.

    Deploys the committed templates_out/ENV/ after checking it matches the config. A
    production env shows the plan and asks first (--yes in CI), unless --plan names the
    approved plan file. Exit 1 when any stack failed, was skipped or differs from its plan.
    """
    from infragen.deploy.deploy import DeployOptions, Method, approve_production, deploy_env
    from infragen.deploy.prune import PruneOptions, deploy_and_prune

    if allow_stateful_delete and not prune:
        raise click.UsageError("--allow-stateful-delete goes with --prune")
    if skip_resources and not continue_rollback and not _interactive():
        raise click.UsageError(
            "--skip-resources goes with --continue-rollback (no terminal to ask on)"
        )
    require_stacks_for_only(only, stacks)
    planned = None
    if plan_path is not None:
        from infragen.deploy.planfile import read_plan_file

        if stacks or only or force or prune or method != "changeset":
            raise click.UsageError(
                "--plan deploys the plan file's stacks by their change sets: it takes no "
                "APP/STACK, --only, --force, --prune or --method direct"
            )
        planned = read_plan_file(plan_path)
    context = deploy_context(settings, env, aws)
    options = DeployOptions(
        stacks=stacks,
        only=only,
        method=Method(method),
        max_parallel=max_parallel,
        allow_replace=frozenset(allow_replace),
        allow_destructive=allow_destructive,
        replace_failed=replace_failed,
        cancel_on_interrupt=cancel_on_interrupt,
        force=force,
        continue_rollback=continue_rollback,
        confirm_rollback=None if continue_rollback else _rollback_question(skip_resources),
        skip_resources=frozenset(skip_resources),
        disable_rollback=disable_rollback,
        allow_stateful_replace=allow_stateful_replace,
        prune=prune,
        plan=planned,
        plan_path=str(plan_path or ""),
        refresh_secrets=refresh_secrets,
        allow_dirty=allow_dirty,
    )

    def confirm(plan_text: str) -> bool:
        click.echo(plan_text, nl=False)
        return click.confirm(f"Deploy this to {env} (production)?", default=False)

    if not approve_production(
        context, options, yes=yes, interactive=_interactive(), confirm=confirm
    ):
        click.echo("not deployed: the plan was not approved", err=True)
        exit_for(False)
    pruning = PruneOptions(frozenset(allow_stateful_delete), max_parallel)
    with context.reporter:
        if prune:
            summary = deploy_and_prune(context, options, pruning)
        else:
            summary = deploy_env(context, options)
    context.reporter.summary(summary, f"deploy {env}")
    exit_for(summary.ok)


def _rollback_question(skip: tuple[str, ...]) -> ConfirmRollback | None:
    """On a terminal, ask before continuing a failed rollback; elsewhere (CI) the deploy
    refuses and names the command to run."""
    if not _interactive():
        return None

    def ask(stack_id: str, name: str, blockers: list[StackEvent]) -> bool:
        click.echo(f"{stack_id} ({name}) is UPDATE_ROLLBACK_FAILED.", err=True)
        for event in blockers:
            click.echo(
                f"  failed to roll back: {event.logical_id} ({event.resource_type}): "
                f"{event.reason}",
                err=True,
            )
        skipping = f", skipping {', '.join(skip)}" if skip else ""
        return click.confirm(
            f"Continue its rollback{skipping}, then deploy it?", default=False, err=True
        )

    return ask


def require_stacks_for_only(only: bool, stacks: tuple[str, ...]) -> None:
    """`--only` with no stack named would silently mean every stack."""
    if only and not stacks:
        raise click.UsageError("--only needs the APP/STACK names it limits the run to")


def _interactive() -> bool:
    """Someone at a terminal can answer the confirmation (not CI, not a pipe)."""
    return sys.stdin.isatty()


@command("plan")
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--only", is_flag=True, help="Plan only the named stacks, not their dependencies.")
@format_option("text", "markdown", "json")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=PathArg),
    help="Write the plan to this file instead of stdout.",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=PathArg),
    metavar="PLANFILE",
    help="Keep the change sets and write a plan file that `deploy --plan PLANFILE` executes.",
)
@click.option(
    "--cost-base",
    "cost_base",
    metavar="REF",
    help="Markdown: show the cost delta against this git ref (or manifest.json), e.g. origin/main.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="As Terraform's: exit 2 when something would change, 0 when nothing would.",
)
@click.option(
    "--fail-on",
    "fail_on",
    type=click.Choice(["risky"]),
    help="risky: exit 1 when the plan highlights a risk (stateful replacement, IAM or "
    "ingress widened, public S3, encryption removed).",
)
@aws_options
@pass_settings
def plan(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    only: bool,
    fmt: str,
    out: Path | None,
    save: Path | None,
    cost_base: str | None,
    detailed_exitcode: bool,
    fail_on: str | None,
    aws: AwsFlags,
) -> None:
    """Change sets for every stack that would change; nothing is executed.

    Markdown is made for a PR comment. With --save, the change sets are kept and a plan
    file records them for `deploy --plan`. Exit 1 when a stack could not be planned (or, with
    --fail-on risky, on any highlighted risk); with --detailed-exitcode, 2 when something
    would change.
    """
    from infragen.deploy.plan import FORMATS, PlanAction, exit_code, plan_env

    require_stacks_for_only(only, stacks)
    context = deploy_context(settings, env, aws)
    result = plan_env(context, stacks, only=only, keep=save is not None)
    if save is not None:
        from infragen.deploy.planfile import from_plan, write_plan_file

        write_plan_file(save, from_plan(result, context.manifest))
        applies = f"`infragen deploy --env {env} --plan {save}` applies it"
        click.echo(f"wrote {save}; {applies}", err=True)
    text = FORMATS[fmt](result)
    if fmt == "markdown":
        from infragen.review.comment import pr_sections

        changing = [
            s.stack_id.partition("/")[0]
            for s in result.stacks
            if s.changes and s.action is not PlanAction.DELETE  # its app may be gone
        ]
        apps = list(dict.fromkeys(changing))
        text += "\n" + pr_sections(
            settings.config_dir, settings.templates_dir, env, apps, cost_base
        )
    if out is not None:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)
    code = exit_code(result, detailed=detailed_exitcode, fail_on_risky=fail_on == "risky")
    click.get_current_context().exit(code)


@command("delete")
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--only", is_flag=True, help="Delete only the named stacks, not their dependents.")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Delete without listing the stacks and asking (needed without a terminal, e.g. CI).",
)
@MAX_PARALLEL_OPTION
@click.option(
    "--orphans",
    is_flag=True,
    help="Delete only the stacks tagged for ENV that config no longer has.",
)
@ALLOW_STATEFUL_DELETE
@aws_options
@pass_settings
def delete(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    only: bool,
    yes: bool,
    max_parallel: int,
    orphans: bool,
    allow_stateful_delete: tuple[str, ...],
    aws: AwsFlags,
) -> None:
    """Delete ENV's stacks (or the named ones and their dependents), consumers first.

    With --orphans, the stacks tagged for ENV that config no longer has instead. Lists the
    stacks and asks first; without a terminal (CI) it needs --yes. Exit 1 when any stack
    failed or was skipped.
    """
    from infragen.deploy.delete import DeleteOptions, confirmation_required, delete_env
    from infragen.deploy.prune import PruneOptions, prune_orphans

    if orphans and (stacks or only):
        raise click.UsageError("--orphans deletes every orphan: no APP/STACK or --only with it")
    if allow_stateful_delete and not orphans:
        raise click.UsageError("--allow-stateful-delete goes with --orphans")
    require_stacks_for_only(only, stacks)
    # Deleting what config no longer renders must still work, so no staleness check here;
    # orphans are judged against the config, so their templates must be current.
    context = deploy_context(settings, env, aws, verify=orphans)

    def confirm(names: list[str]) -> bool:
        if yes:
            return True
        if not _interactive():
            raise confirmation_required(env, names)
        click.echo("This deletes: " + ", ".join(names), err=True)
        return click.confirm(f"Delete {len(names)} stack(s) in {env}?", default=False)

    options = DeleteOptions(stacks=stacks, only=only, max_parallel=max_parallel)
    pruning = PruneOptions(frozenset(allow_stateful_delete), max_parallel)
    with context.reporter:
        if orphans:
            summary = prune_orphans(context, pruning, confirm)
        else:
            summary = delete_env(context, options, confirm)
    context.reporter.summary(summary, f"delete {env}")
    exit_for(summary.ok)

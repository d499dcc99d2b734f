"""The command line: parse options, call one library function, map errors to exit codes.

Only click and infragen.errors are imported at start-up; everything else is imported inside
the command that needs it, so `infragen --help` and pre-commit runs stay fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from infragen import __version__
from infragen.errors import EXIT_FINDINGS, InfragenError

# An exception infragen did not expect is its own bug, not the user's: sysexits' EX_SOFTWARE.
EXIT_BUG = 70
DEBUG_ENV = "INFRAGEN_DEBUG"

if TYPE_CHECKING:
    from infragen.deploy.context import Context


@dataclass
class Settings:
    config_dir: Path
    templates_dir: Path


pass_settings = click.make_pass_decorator(Settings)


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


ENV_OPTION = click.option(
    "--env", "env", required=True, metavar="ENV", help="Environment (a file in the config dir)."
)


@click.group(cls=InfragenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="infragen")
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="config",
    show_default=True,
    envvar="INFRAGEN_CONFIG_DIR",
    help="Directory with defaults.yaml and one <env>.yaml per environment.",
)
@click.option(
    "--templates-dir",
    type=click.Path(file_okay=False, path_type=Path),
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

    Exit codes: 0 ok, 1 findings (stale templates, lint findings, failed stacks),
    2 bad usage or bad config, 70 an infragen bug.
    """
    ctx.obj = Settings(config_dir=config_dir, templates_dir=templates_dir)


@cli.command()
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
    """Render templates_out/<env>/<app>/<stack>.yaml and manifest.json for each environment."""
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
        click.echo(f"{where}/ is up to date ({summary.stack_count} stacks)")
        return
    for rel in summary.changed:
        click.echo(f"wrote {where / rel}" if (where / rel).exists() else f"removed {where / rel}")
    click.echo(
        f"rendered {summary.stack_count} stacks in {len(summary.envs)} environment(s); "
        f"{len(summary.changed)} file(s) changed"
    )


@cli.command("list")
@ENV_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
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
            }
            for sid in order
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(sid) for sid in order), default=0)
    for index, sid in enumerate(order, 1):
        deps = ", ".join(sorted(loaded.graph.dependencies(sid)))
        after = f"  (after {deps})" if deps else ""
        click.echo(f"{index:>3}. {sid:<{width}}  {loaded.stacks[sid].cfn_name}{after}")


@cli.command()
@ENV_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "mermaid"]), default="text", show_default=True
)
@pass_settings
def graph(settings: Settings, env: str, fmt: str) -> None:
    """The stack dependency graph of ENV, as text or a Mermaid flowchart."""
    from infragen.graph_view import mermaid, text
    from infragen.render.service import load_env

    loaded = load_env(settings.config_dir, env)
    click.echo(mermaid(loaded.graph) if fmt == "mermaid" else text(loaded.graph))


@cli.command()
@ENV_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--compare-to",
    "compare_to",
    metavar="REF",
    help="A git ref (or a templates_out/<env>/manifest.json) to print the monthly delta against.",
)
@pass_settings
def cost(settings: Settings, env: str, fmt: str, compare_to: str | None) -> None:
    """Offline monthly cost estimate of ENV from its rendered templates and config `usage:`.

    Prices are the list prices shipped with infragen (date and source in the footer);
    resources it cannot price are listed as not estimated. Never calls AWS.
    """
    from infragen.cost.estimate import estimate_env
    from infragen.cost.report import render as render_cost

    estimate = estimate_env(settings.config_dir, settings.templates_dir, env)
    base = None
    if compare_to:
        from infragen.cost.baseline import baseline_cost

        base = baseline_cost(compare_to, settings.config_dir, settings.templates_dir, env)
    click.echo(render_cost(estimate, fmt, base))


@cli.command()
@ENV_OPTION
@click.argument("app", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "markdown"]),
    default="mermaid",
    show_default=True,
    help="markdown: one ```mermaid block per app, as GitHub renders it.",
)
@pass_settings
def diagram(settings: Settings, env: str, app: str | None, fmt: str) -> None:
    """Mermaid flowchart of each app of ENV (or APP) from its rendered templates, offline.

    Stacks and the VPC's subnet tiers are subgraphs; repeated resources are grouped; edges
    follow Ref/GetAtt, cross-stack parameters, security-group rules and integrations.
    """
    from infragen.diagram.render import diagram as draw

    click.echo(draw(settings.templates_dir / env, app, fmt))


@cli.command("blueprints")
@click.argument("name", required=False)
def blueprints_command(name: str | None) -> None:
    """List the blueprints, or show NAME's vars (type, default) and outputs."""
    from infragen.blueprints.describe import describe, list_blueprints

    if name:
        click.echo(describe(name))
        return
    for found, description in list_blueprints():
        click.echo(f"{found:<20} {description}")


@cli.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--project", metavar="NAME", help="The `project:` name. Default: from DIRECTORY.")
@click.option("--region", default="us-east-1", show_default=True, help="The `region:` of config.")
def init_command(directory: Path, project: str | None, region: str) -> None:
    """Start a new infragen project in DIRECTORY: config/, pre-commit hooks, .gitignore.

    config/dev.yaml holds a working example app (table, Lambda, bucket trigger) to change.
    Refuses to overwrite any existing file.
    """
    from infragen.scaffold import init_project

    for path in init_project(directory, project=project, region=region):
        click.echo(f"wrote {path}")
    where = "" if directory == Path(".") else f"cd {directory} && "
    click.echo(f"next: {where}infragen render && infragen lint")


@cli.command("schema")
@click.argument("directory", default=".infragen", type=click.Path(file_okay=False, path_type=Path))
def schema_command(directory: Path) -> None:
    """Write DIRECTORY/config.schema.json: the JSON Schema of the config files, for editors.

    Made from the config and blueprint models (installed plugins included), each stack's
    vars checked by its `blueprint:`. Config files name it on their first line for the YAML
    language server: `# yaml-language-server: $schema=../.infragen/config.schema.json`.
    """
    from infragen.schema import write_schema

    click.echo(f"wrote {write_schema(directory)}")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
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
@pass_settings
def lint(
    settings: Settings,
    paths: tuple[Path, ...],
    envs: tuple[str, ...],
    fmt: str,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """cfn-lint plus infragen's security rules on rendered templates (PATHS or templates_out/).

    Exit 1 on any error or warning, 0 when clean (informational findings never fail).
    """
    from infragen.lint.report import render as render_report
    from infragen.lint.runner import run_lint

    report = run_lint(
        paths, envs=envs, jobs=jobs, use_cache=not no_cache, templates_dir=settings.templates_dir
    )
    click.echo(render_report(report, fmt))
    click.get_current_context().exit(report.exit_code)


@cli.group("config")
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


# ---------------------------------------------------------------- deploy-time commands
# Each command parses options, calls one function in infragen.deploy.*, and maps the result
# to an exit code. boto3 is imported only inside these commands.


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
        **kwargs: Any,
    ) -> Any:
        flags = AwsFlags(
            endpoint_url, profile, region, connect_timeout, read_timeout, max_attempts, timeout
        )
        return func(*args, aws=flags, **kwargs)

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
        help="Attempts per AWS call, retries included (each retry prints a line).",
    )(command)
    command = click.option(
        "--read-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=20.0,
        show_default=True,
        envvar="INFRAGEN_READ_TIMEOUT",
        metavar="SECONDS",
        help="Seconds to wait for each AWS reply before retrying.",
    )(command)
    command = click.option(
        "--connect-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=5.0,
        show_default=True,
        envvar="INFRAGEN_CONNECT_TIMEOUT",
        metavar="SECONDS",
        help="Seconds to wait for a connection to the AWS endpoint.",
    )(command)
    command = click.option(
        "--region", metavar="REGION", help="Override the region from the config/manifest."
    )(command)
    command = click.option(
        "--profile", envvar="AWS_PROFILE", metavar="NAME", help="AWS profile to use."
    )(command)
    return click.option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        metavar="URL",
        help="Send AWS calls here (e.g. a local emulator). Env: AWS_ENDPOINT_URL.",
    )(command)


def _context(
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
    )
    return open_context(target, make_reporter())


STACKS_ARGUMENT = click.argument("stacks", nargs=-1, metavar="[APP/STACK]...")


@cli.command()
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
@click.option("--max-parallel", type=click.IntRange(1, 64), default=4, show_default=True)
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
    aws: AwsFlags,
) -> None:
    """Deploy ENV (or the named stacks and their dependencies) in dependency order.

    Deploys the committed templates_out/ENV/ after checking it matches the config. Exit 1
    when any stack failed or was skipped.
    """
    from infragen.deploy.deploy import DeployOptions, Method, deploy_env

    context = _context(settings, env, aws)
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
    )
    with context.reporter:
        summary = deploy_env(context, options)
    context.reporter.summary(summary, f"deploy {env}")
    _exit_for(summary.ok)


@cli.command()
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan to this file instead of stdout.",
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
    fmt: str,
    out: Path | None,
    cost_base: str | None,
    detailed_exitcode: bool,
    fail_on: str | None,
    aws: AwsFlags,
) -> None:
    """Change sets for every stack that would change; nothing is executed.

    Markdown is made for a PR comment. Exit 1 when a stack could not be planned (or, with
    --fail-on risky, on any highlighted risk); with --detailed-exitcode, 2 when something
    would change.
    """
    from infragen.deploy.plan import FORMATS, exit_code, plan_env

    context = _context(settings, env, aws)
    result = plan_env(context, stacks)
    text = FORMATS[fmt](result)
    if fmt == "markdown":
        from infragen.review.comment import pr_sections

        changing = [s.stack_id.partition("/")[0] for s in result.stacks if s.changes]
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


@cli.command()
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--only", is_flag=True, help="Delete only the named stacks, not their dependents.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--max-parallel", type=click.IntRange(1, 64), default=4, show_default=True)
@aws_options
@pass_settings
def delete(
    settings: Settings,
    env: str,
    stacks: tuple[str, ...],
    only: bool,
    yes: bool,
    max_parallel: int,
    aws: AwsFlags,
) -> None:
    """Delete ENV's stacks (or the named ones and their dependents), consumers first."""
    from infragen.deploy.delete import DeleteOptions, delete_env

    # Deleting what config no longer renders must still work, so no staleness check here.
    context = _context(settings, env, aws, verify=False)

    def confirm(names: list[str]) -> bool:
        if yes:
            return True
        click.echo("This deletes: " + ", ".join(names), err=True)
        return click.confirm(f"Delete {len(names)} stack(s) in {env}?", default=False)

    options = DeleteOptions(stacks=stacks, only=only, max_parallel=max_parallel)
    with context.reporter:
        summary = delete_env(context, options, confirm)
    context.reporter.summary(summary, f"delete {env}")
    _exit_for(summary.ok)


@cli.command()
@ENV_OPTION
@aws_options
@pass_settings
def status(
    settings: Settings,
    env: str,
    aws: AwsFlags,
) -> None:
    """Deployed status of each stack and whether it matches the committed templates.

    Exit 1 when any stack is failed, in progress, not deployed, stale or unreadable.
    """
    from infragen.deploy.status import status_env

    context = _context(settings, env, aws, verify=False)
    rows = status_env(context)
    table = [
        (
            r.stack_id,
            r.cfn_name,
            r.status,
            r.last_updated.strftime("%Y-%m-%d %H:%M:%S") if r.last_updated else "-",
            r.match_text,
        )
        for r in rows
    ]
    header = ("stack", "CloudFormation name", "status", "last updated", "matches deployed")
    _print_table(header, table)
    _exit_for(all(r.ok for r in rows))


@cli.command()
@ENV_OPTION
@STACKS_ARGUMENT
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
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

    context = _context(settings, env, aws, verify=False)
    found = outputs_env(context, stacks)
    if fmt == "json":
        import json

        click.echo(json.dumps(found, indent=2))
        return
    for sid, values in found.items():
        click.echo(f"{sid}:" + ("" if values else " (no outputs)"))
        for key, value in values.items():
            click.echo(f"  {key} = {value}")


@cli.command()
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
    """Unified diff of deployed templates against templates_out/ENV. Exit 1 when different."""
    from infragen.deploy.diff import diff_env

    context = _context(settings, env, aws, verify=False)
    diffs = diff_env(context, stacks)
    for item in diffs:
        if item.different:
            note = "" if item.deployed else " (not deployed)"
            click.echo(f"--- {item.stack_id}{note}")
            click.echo(item.diff, nl=False)
    changed = sum(1 for d in diffs if d.different)
    click.echo(f"{changed} of {len(diffs)} stack(s) differ from what is deployed", err=True)
    _exit_for(changed == 0)


@cli.command()
@ENV_OPTION
@aws_options
@pass_settings
def drift(
    settings: Settings,
    env: str,
    aws: AwsFlags,
) -> None:
    """Detect drift on every deployed stack. Exit 1 on drift (or when detection failed)."""
    from infragen.deploy.drift import drift_env

    context = _context(settings, env, aws, verify=False)
    rows = drift_env(context)
    for row in rows:
        if row.error:
            click.echo(f"{row.stack_id}: drift detection failed: {row.error}")
        elif row.result is None:
            click.echo(f"{row.stack_id}: not deployed")
        else:
            click.echo(f"{row.stack_id}: {row.result.status}")
            for logical_id, type_, state in row.result.drifted_resources:
                click.echo(f"    {state:<9} {logical_id} ({type_})")
    _exit_for(not any(r.drifted or r.error for r in rows))


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: a loopback address unless --allow-non-loopback.",
)
@click.option(
    "--allow-non-loopback",
    is_flag=True,
    help="Listen on a --host other machines can reach. Refused otherwise because the "
    "emulator has no authentication: anyone who reaches it can read and change what is "
    "deployed to it, secrets included.",
)
def emulator(port: int, host: str, allow_non_loopback: bool) -> None:
    """Run a local AWS emulator to deploy to, until Ctrl-C.

    moto's server plus CloudFormation models for the types infragen's blueprints use and
    moto lacks (README "Emulator coverage"). Needs the extra:
    pip install 'infragen[emulator]'.
    """
    import signal

    from infragen.emulator.server import Emulator, start

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    running: Emulator | None = None
    try:
        running = start(host, port, allow_non_loopback=allow_non_loopback)
        click.echo(f"AWS emulator listening on {running.endpoint} (Ctrl-C to stop)")
        click.echo("Deploy to it from another shell after:")
        for line in running.export_lines():
            click.echo(f"  {line}")
        running.wait()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM, even while starting: a clean exit
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if running is not None:
            running.stop()
    click.echo("AWS emulator stopped")


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


def _exit_for(ok: bool) -> None:
    if not ok:
        raise click.exceptions.Exit(EXIT_FINDINGS)


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

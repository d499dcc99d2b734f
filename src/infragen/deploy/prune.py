"""Stacks config no longer has ("orphans"): found from their tags, listed, deleted on request.

Every stack infragen deploys carries the standard tags Project, Environment, App and Stack
(`infragen.model.standard_tags`) and the name `cfn_stack_name` gives it. An orphan is a live
stack in one of the environment's regions whose Project and Environment tags are this
environment's, whose name is the one infragen gives its App/Stack, and whose App/Stack the
manifest does not have. The name is required as well as the tags so that a stack a team's
tagging policy happened to tag Project/Environment is never taken for infragen's.

Deletion order and safety come from each orphan's own deployed template (GetTemplate), not
from an old manifest: git history may be shallow in CI, and what is deployed is what gets
deleted. infragen writes `!stack_output app/stack::Output (set by infragen)` as the
Description of each Parameter a producer's output feeds, so consumers are deleted before
their producers; its resource types say whether it holds data (`infragen.facts.stateful`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from infragen.aws import status as st
from infragen.aws.credentials import CredentialsTarget
from infragen.aws.types import Change, StackInfo
from infragen.dag import Graph
from infragen.deploy.context import Context
from infragen.deploy.delete import DeleteAbortedError, delete_deployed, delete_walk
from infragen.deploy.deployed import READ_PARALLEL
from infragen.deploy.manifest import Manifest
from infragen.deploy.result import RunSummary
from infragen.deploy.walker import walk
from infragen.errors import InfragenError
from infragen.facts.stateful import STATEFUL_TYPES

if TYPE_CHECKING:
    from infragen.deploy.deploy import DeployOptions

# The Parameter Description render writes for a `!stack_output` (blueprints/base.py).
_PRODUCER = re.compile(r"!stack_output (\S+?)::\S+ \(set by infragen\)")


class PruneRefusedError(InfragenError):
    """An orphan cannot be deleted safely: nothing is deleted."""

    exit_code = 1


@dataclass(frozen=True)
class Orphan:
    stack_id: str  # app/name, from its App and Stack tags
    region: str
    info: StackInfo
    producers: tuple[str, ...] = ()  # stacks whose outputs its Parameters took
    resources: tuple[tuple[str, str], ...] = ()  # (logical id, type) of its deployed template
    unreadable: str = ""  # why its template could not be read
    # The account, role and region it was listed with (None: the caller's, in `region`).
    where: CredentialsTarget | None = None

    @property
    def target(self) -> CredentialsTarget:
        return self.where or CredentialsTarget(self.region)

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def stateful(self) -> list[str]:
        return [f"{lid} ({type_})" for lid, type_ in self.resources if type_ in STATEFUL_TYPES]

    @property
    def removals(self) -> list[Change]:
        """Its resources as the changes a delete makes, for plan."""
        return [Change("Remove", lid, type_) for lid, type_ in self.resources]

    def refusal(self, allowed: Collection[str]) -> str:
        """Why prune will not delete it ("" when it will)."""
        if self.info.termination_protection:
            return "termination protection is on"
        if st.is_in_progress(self.info.status) and not st.is_review(self.info.status):
            return f"an operation is running on it ({self.info.status})"
        if {self.stack_id, self.name} & set(allowed):
            return ""
        if self.unreadable:
            return f"its template could not be read, so it may hold data ({self.unreadable})"
        if self.stateful:
            return "it holds stateful resources: " + ", ".join(self.stateful)
        return ""


@dataclass(frozen=True)
class _Placed:
    """An orphan as the account guard reads a stack (`infragen.aws.credentials.Placed`)."""

    id: str
    region: str
    account_id: str | None
    role_arn: str | None
    external_id: str | None
    profile: str | None


@dataclass(frozen=True)
class PruneOptions:
    allow_stateful_delete: frozenset[str] = frozenset()
    max_parallel: int = 4


def find_orphans(context: Context) -> list[Orphan]:
    """The environment's orphans, by stack id: one DescribeStacks listing per region (which
    also tells `context.states` about the manifest's stacks), then one GetTemplate per
    orphan, in parallel."""
    manifest = context.manifest
    found: dict[str, Orphan] = {}  # by CloudFormation stack id: --region may fold regions
    for target in _listed_targets(manifest):
        live = context.gateway(target).describe_all_stacks()
        context.states.take_listing(target, live)
        for info in live.values():
            sid = owned_stack_id(info, manifest.project, manifest.env)
            if sid is not None and sid not in manifest.stacks:
                found.setdefault(info.stack_id, Orphan(sid, target.region, info, where=target))
    orphans = {o.stack_id: o for o in found.values()}
    flat = Graph({sid: () for sid in orphans})
    walked = walk(flat, lambda sid: _read(context, orphans[sid]), max_parallel=READ_PARALLEL)
    return [walked.outcomes[sid].value or orphans[sid] for sid in sorted(orphans)]


def _listed_targets(manifest: Manifest) -> list[CredentialsTarget]:
    """Every region of the env in every account (and role) it uses, and those config says
    it no longer uses (`retired:`): a stack config removed may have been in any of them."""
    regions = {
        manifest.region,
        *(s.region for s in manifest.stacks.values()),
        *manifest.retired_regions,
    }
    identities = {replace(CredentialsTarget.of(s), region="") for s in manifest.stacks.values()}
    if not identities:
        identities = {CredentialsTarget("")}
    identities.update(manifest.retired_accounts)
    targets = {replace(who, region=region) for who in identities for region in regions}
    return sorted(targets, key=CredentialsTarget.sort_key)


def owned_stack_id(info: StackInfo, project: str, env: str) -> str | None:
    """The app/name of a stack infragen deployed for this project and env, else None."""
    tags = info.tags
    app, name = tags.get("App"), tags.get("Stack")
    if tags.get("Project") != project or tags.get("Environment") != env or not app or not name:
        return None
    # Imported only for a stack tagged for this env: infragen.model brings pydantic.
    from infragen.model import cfn_stack_name, stack_id

    sid = stack_id(app, name)
    return sid if info.name == cfn_stack_name(project, env, sid) else None


def _read(context: Context, orphan: Orphan) -> Orphan:
    import yaml

    from infragen.cfn_template import Template

    try:
        body = context.gateway(orphan.target).get_template(orphan.info.stack_id)
        template = Template.parse(body)
    except (InfragenError, yaml.YAMLError) as error:
        reason = error.message if isinstance(error, InfragenError) else "not YAML or JSON"
        return replace(orphan, unreadable=reason)
    producers = {
        match.group(1)
        for spec in template.parameters.values()
        if isinstance(spec, dict)
        and (match := _PRODUCER.fullmatch(str(spec.get("Description", ""))))
    }
    resources = tuple(
        (lid, str(res.get("Type", "")))
        for lid, res in sorted(template.resources.items())
        if isinstance(res, dict)
    )
    return replace(orphan, producers=tuple(sorted(producers)), resources=resources)


def refusals(orphans: list[Orphan], allowed: Collection[str]) -> list[tuple[Orphan, str]]:
    return [(o, why) for o in orphans if (why := o.refusal(allowed))]


def check_prunable(orphans: list[Orphan], allowed: Collection[str]) -> None:
    """All or nothing, as `delete`: half a prune is harder to reason about than none."""
    refused = refusals(orphans, allowed)
    if not refused:
        return
    lines = [f"  {o.stack_id} ({o.name}): {why}" for o, why in refused]
    hints = []
    if any(o.info.termination_protection for o, _ in refused):
        names = " ".join(o.name for o, _ in refused if o.info.termination_protection)
        hints.append(
            "infragen never lifts termination protection of a stack config no longer has: "
            "turn it off with `aws cloudformation update-termination-protection "
            f"--no-enable-termination-protection --stack-name NAME` ({names}) if it is to go"
        )
    if any(o.stateful or o.unreadable for o, _ in refused):
        holding = [o for o, _ in refused if o.stateful or o.unreadable]
        flags = " ".join(f"--allow-stateful-delete {o.stack_id}" for o in holding)
        hints.append(
            f"to delete it with its data, name it: `{flags}` (resources whose DeletionPolicy "
            "is Retain or Snapshot are kept or snapshotted by CloudFormation); to keep it, put "
            "it back in config"
        )
    if any(st.is_in_progress(o.info.status) for o, _ in refused):
        hints.append("wait for the running operation (`infragen status`), then prune again")
    raise PruneRefusedError(
        "refusing to prune; nothing was deleted:\n" + "\n".join(lines), "; ".join(hints)
    )


def prune_orphans(
    context: Context,
    options: PruneOptions,
    confirm: Callable[[list[str]], bool] | None = None,
) -> RunSummary:
    """`delete --orphans`: delete the environment's orphans, consumers first, after checking
    every one of them may go. `confirm` gets their CloudFormation names and returns whether
    to go ahead."""
    orphans = checked_orphans(context, options)
    if orphans and confirm is not None and not confirm([o.name for o in orphans]):
        raise DeleteAbortedError("prune cancelled; nothing was deleted")
    return delete_orphans(context, orphans, options)


def deploy_and_prune(
    context: Context, deploy_options: DeployOptions, options: PruneOptions
) -> RunSummary:
    """`deploy --prune`: the orphans are checked before anything is deployed (a refusal
    changes nothing), and deleted only once every stack of the deploy succeeded. A deploy of
    named stacks prunes only their StackSet instances (deploy_env does that): consumers not
    deployed this time may still use what an orphan holds."""
    # Here, not at the top: status and plan list orphans without the deploy machinery.
    from infragen.deploy.deploy import deploy_env

    if deploy_options.stacks or deploy_options.only:
        context.reporter.note(
            "prune",
            "stacks config no longer has are pruned only by a deploy of the whole environment "
            f"(or `infragen delete --env {context.manifest.env} --orphans`)",
        )
        return deploy_env(context, deploy_options)
    orphans = checked_orphans(context, options)
    summary = deploy_env(context, deploy_options)
    if not summary.ok:
        for orphan in orphans:
            context.reporter.note(orphan.stack_id, "not pruned: the deploy did not succeed")
        return summary
    pruned = delete_orphans(context, orphans, options)
    return RunSummary(summary.results + pruned.results, interrupted=pruned.interrupted)


def checked_orphans(context: Context, options: PruneOptions) -> list[Orphan]:
    orphans = find_orphans(context)
    # A retired account_id reached with the caller's credentials lists whatever account
    # they are in: nothing is deleted unless it is the account config names.
    context.check_placed(_Placed(o.stack_id, **asdict(o.target)) for o in orphans)
    known = {name for o in orphans for name in (o.stack_id, o.name)}
    for name in sorted(options.allow_stateful_delete - known):
        # Not an error: a CI job keeps its flags after the stack is gone.
        context.reporter.note(name, "--allow-stateful-delete: not a stack config no longer has")
    check_prunable(orphans, options.allow_stateful_delete)
    return orphans


def delete_orphans(context: Context, orphans: list[Orphan], options: PruneOptions) -> RunSummary:
    """Consumers first: an orphan goes before the orphans whose outputs it took."""
    by_id = {o.stack_id: o for o in orphans}
    graph = Graph({o.stack_id: [p for p in o.producers if p in by_id] for o in orphans})
    return delete_walk(
        context,
        graph,
        {o.stack_id: o.name for o in orphans},
        lambda sid: delete_deployed(context, sid, by_id[sid].target, by_id[sid].info),
        options.max_parallel,
    )


def pending_text(orphan: Orphan, allowed: Collection[str] = ()) -> str:
    """What `status` and `plan` say of an orphan."""
    why = orphan.refusal(allowed)
    text = "not in config: pending deletion (`deploy --prune` or `delete --orphans`)"
    return f"{text}; prune refuses: {why}" if why else text

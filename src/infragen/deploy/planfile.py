"""Plan files: what `plan --save` recorded, which `deploy --plan` executes exactly or refuses.

Per stack, a plan file names the change set CloudFormation made for it and what that change
set was made from: the template's sha256, a digest of each resolved Parameter, and the
deployed stack as it was (id, status, last update). Before a change set runs, each of these
is compared with now; any difference refuses the stack, naming what moved. Parameter values
are never written, only digests salted with the stack and parameter name: NoEcho values
are secrets, and the file travels as a CI artifact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from infragen.deploy.manifest import ManifestStack, line_of
from infragen.errors import EXIT_FINDINGS, EXIT_USAGE, InfragenError, Location

if TYPE_CHECKING:
    from infragen.aws.types import ChangeSet, StackInfo
    from infragen.deploy.context import Context
    from infragen.deploy.manifest import Manifest
    from infragen.deploy.plan import Plan

FORMAT = "infragen-plan"
VERSION = 1
APPLIED = ("create", "update")  # the actions a plan file holds a change set for


class PlanFileError(InfragenError):
    """The file is not a plan file this infragen wrote, or is for another project/env."""

    exit_code = EXIT_USAGE


class PlanMismatchError(InfragenError):
    """What was planned is no longer what would be deployed."""

    exit_code = EXIT_FINDINGS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeployedState(_Model):
    stack_id: str
    status: str
    last_updated: str = ""


class PlannedStack(_Model):
    stack: str
    name: str
    region: str
    action: Literal["create", "update", "unchanged", "blocked", "error"]
    detail: str = ""
    template_sha256: str
    parameters_sha256: str = ""
    parameters: dict[str, str] = {}
    change_set_id: str = ""
    changes: list[dict[str, Any]] = []
    deployed: DeployedState | None = None


class PlanFile(_Model):
    format: Literal["infragen-plan"]
    version: Literal[1]
    project: str
    env: str
    stacks: list[PlannedStack]

    def stack(self, stack_id: str) -> PlannedStack:
        return next(s for s in self.stacks if s.stack == stack_id)


# ---------------------------------------------------------------- digests


def parameter_digests(stack: ManifestStack, values: Mapping[str, str]) -> dict[str, str]:
    """Each Parameter's digest; salted so equal values in two stacks do not look equal and
    a table of common passwords' plain sha256 does not apply."""
    return {
        name: hashlib.sha256(f"{stack.name}\n{name}\n{value}".encode()).hexdigest()
        for name, value in sorted(values.items())
    }


def _digest_of(digests: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(sorted(digests.items())), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def deployed_state(info: StackInfo | None) -> DeployedState | None:
    if info is None:
        return None
    updated = info.last_updated.isoformat() if info.last_updated else ""
    return DeployedState(stack_id=info.stack_id, status=info.status, last_updated=updated)


# ---------------------------------------------------------------- writing


def from_plan(plan: Plan, manifest: Manifest) -> PlanFile:
    stacks: list[PlannedStack] = []
    for planned in plan.stacks:
        if planned.action == "delete":
            # A stack config no longer has: listed by plan, never applied from a plan file
            # (`deploy --plan` takes no --prune); `delete --orphans` removes it.
            continue
        stack = manifest.stacks[planned.stack_id]
        digests = parameter_digests(stack, planned.parameters)
        changes = planned.as_dict()["changes"]
        assert isinstance(changes, list)
        stacks.append(
            PlannedStack(
                stack=stack.id,
                name=stack.name,
                region=stack.region,
                action=planned.action.value,
                detail=planned.detail,
                template_sha256=stack.sha256,
                parameters_sha256=_digest_of(digests),
                parameters=digests,
                change_set_id=planned.change_set_id,
                changes=changes,
                deployed=deployed_state(planned.deployed),
            )
        )
    return PlanFile(
        format=FORMAT, version=VERSION, project=manifest.project, env=manifest.env, stacks=stacks
    )


def write_plan_file(path: Path, document: PlanFile) -> None:
    path.write_text(document.model_dump_json(indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- reading


def read_plan_file(path: Path) -> PlanFile:
    """The plan file, or a PlanFileError naming its line and what to do."""
    hint = "write one with `infragen plan --env ENV --save FILE` and pass that file"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{path} cannot be read: {exc}", hint) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"not valid JSON: {exc.msg}", hint, location=Location(str(path), exc.lineno, exc.colno)
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError(
            f"{path} is not an infragen plan file (a `plan --format json` report is not one)",
            hint,
            location=Location(str(path), 1, 1),
        )
    if data.get("version") != VERSION:
        raise PlanFileError(
            f"{path} is a version {data.get('version')!r} plan file; this infragen reads "
            f"version {VERSION}",
            "plan again with this infragen version",
            location=Location(str(path), line_of(text, ("version",)), 1),
        )
    try:
        return PlanFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PlanFileError(
            f"{where}: {first['msg']}",
            "the file was edited or damaged: " + hint,
            location=Location(str(path), line_of(text, tuple(first["loc"])), 1),
        ) from None


# ---------------------------------------------------------------- checking


def differences(
    planned: PlannedStack,
    stack: ManifestStack,
    parameters: Mapping[str, str] | None,
    deployed: StackInfo | None,
    change_set: ChangeSet | None,
    *,
    deferred: frozenset[str] = frozenset(),
) -> list[str]:
    """What differs from the plan, each as a reason. `parameters` None skips that check
    (values not known yet), and so does naming a Parameter in `deferred`."""
    found: list[str] = []
    if stack.sha256 != planned.template_sha256:
        found.append(
            f"its template changed since the plan (sha256 {planned.template_sha256[:12]} -> "
            f"{stack.sha256[:12]})"
        )
    if parameters is not None:
        found += _parameter_changes(
            {k: v for k, v in planned.parameters.items() if k not in deferred},
            {k: v for k, v in parameter_digests(stack, parameters).items() if k not in deferred},
        )
    found += _moved(planned.deployed, deployed_state(deployed))
    if planned.action in APPLIED and stack.stackset is None:
        found += _change_set_problems(planned, change_set)
    return found


def _parameter_changes(planned: Mapping[str, str], now: Mapping[str, str]) -> list[str]:
    return [
        f"Parameter {name} changed since the plan"
        if name in planned and name in now
        else f"Parameter {name} was {'added' if name in now else 'removed'} since the plan"
        for name in sorted(set(planned) | set(now))
        if planned.get(name) != now.get(name)
    ]


def _moved(then: DeployedState | None, now: DeployedState | None) -> list[str]:
    if then == now:
        return []
    if then is None:
        return [f"the stack was created since the plan (now {now.status if now else '?'})"]
    if now is None:
        return ["the stack was deleted since the plan"]
    if now.stack_id != then.stack_id:
        return ["the stack was deleted and created again since the plan (another stack id)"]
    if now.status != then.status:
        return [
            f"the stack is {now.status} since the plan (was {then.status}): someone deployed it"
        ]
    return [
        f"the stack was updated at {now.last_updated} since the plan (last updated "
        f"{then.last_updated or 'never'}): someone deployed it"
    ]


def _change_set_problems(planned: PlannedStack, change_set: ChangeSet | None) -> list[str]:
    if change_set is None:
        return [f"its change set {planned.change_set_id} is gone (deleted, or expired)"]
    if change_set.status != "CREATE_COMPLETE":
        return [f"its change set is {change_set.status}: {change_set.status_reason}"]
    if change_set.execution_status == "OBSOLETE":
        return ["its change set is OBSOLETE: the stack was updated by other means since"]
    if change_set.execution_status != "AVAILABLE":
        return [f"its change set is {change_set.execution_status}, no longer executable"]
    return []


def check_before_apply(context: Context, document: PlanFile, path: str) -> None:
    """Every refusal that can be known before anything runs, for every stack at once, so a
    plan that no longer holds deploys nothing. Parameters fed by a stack this plan changes
    are checked again when their stack's turn comes."""
    from infragen.deploy.params import ParameterError, resolve_parameters

    manifest = context.manifest
    if (document.project, document.env) != (manifest.project, manifest.env):
        raise PlanFileError(
            f"{path} is a plan of {document.project}/{document.env}, not of "
            f"{manifest.project}/{manifest.env}",
            f"pass --env {document.env}, or the plan file of {manifest.env}",
        )
    changing = {s.stack for s in document.stacks if s.action in APPLIED}
    refusals: list[str] = []
    for planned in document.stacks:
        stack = manifest.stacks.get(planned.stack)
        if stack is None:
            refusals.append(f"{planned.stack}: config no longer has this stack")
            continue
        deferred = frozenset(
            name
            for name, spec in stack.parameters.items()
            if spec.get("source", {}).get("stack") in changing
        )
        try:
            values: dict[str, str] | None = resolve_parameters(
                stack, context.states, context.environ
            )
        except ParameterError:  # a producer this plan creates: checked at the stack's turn
            values = None
        change_set = None
        if planned.action in APPLIED and planned.change_set_id:
            change_set = context.gateway_for(stack).describe_change_set(
                stack.name, planned.change_set_id
            )
        deployed = context.states.get(stack.id)
        found = differences(planned, stack, values, deployed, change_set, deferred=deferred)
        if stack.stackset is not None and planned.action in (*APPLIED, "unchanged"):
            from infragen.deploy.stackset import moved_since_plan

            found += moved_since_plan(context, stack, planned.detail)
        refusals += [f"{planned.stack}: {reason}" for reason in found]
    if refusals:
        raise PlanMismatchError(
            f"{path} no longer matches what would be deployed; nothing was deployed:\n  "
            + "\n  ".join(refusals),
            f"plan again (`infragen plan --env {manifest.env} --save {path}`), review it, "
            "and deploy that plan",
        )

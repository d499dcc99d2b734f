"""Whether a deployed stack is what infragen would deploy, decided from what is deployed.

The fingerprint tag alone cannot tell: an update made outside infragen (console, boto3)
keeps the stack's tags, so the tag still matches while the template or a parameter
differs. A stack whose tag matches is therefore checked against the deployed state:
the template body CloudFormation holds (one GetTemplate, digest compared with the
manifest's sha256), its Parameters, tags and termination protection. Stacks whose tag
does not match need no call: they differ anyway. `plan` and `status` can use the same
verdicts (`deployed_differences`).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from infragen.aws import status as st
from infragen.aws.gateway import Gateway
from infragen.aws.types import StackInfo
from infragen.dag import Graph
from infragen.deploy.fingerprint import FINGERPRINT_TAG, stack_fingerprint
from infragen.deploy.manifest import Manifest, ManifestStack
from infragen.deploy.params import StackStates, resolve_parameters
from infragen.deploy.provenance import without_bookkeeping
from infragen.deploy.walker import walk
from infragen.errors import InfragenError
from infragen.facts.secrets import looks_secret

# What DescribeStacks shows for a NoEcho parameter's value.
MASKED = "****"
# GetTemplate reads run this many at a time whatever --max-parallel is: reads are cheap for
# CloudFormation, and botocore's adaptive retry mode slows down if they are throttled.
READ_PARALLEL = 16


class DeployedTemplates:
    """Digest of each deployed template, read at most once per run, in parallel."""

    def __init__(self, manifest: Manifest, gateway_for: Callable[[ManifestStack], Gateway]) -> None:
        self._manifest = manifest
        self._gateway_for = gateway_for
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def digest(self, stack_id: str) -> str:
        with self._lock:
            if stack_id in self._digests:
                return self._digests[stack_id]
        stack = self._manifest.stacks[stack_id]
        body = self._gateway_for(stack).get_template(stack.name)
        value = hashlib.sha256(body.encode()).hexdigest()
        with self._lock:
            self._digests[stack_id] = value
        return value

    def prefetch(self, stack_ids: list[str], max_parallel: int = READ_PARALLEL) -> None:
        """One GetTemplate per stack, `max_parallel` at a time; errors surface later, when
        the stack's own `digest` call repeats the read."""

        def read(stack_id: str) -> None:
            with contextlib.suppress(InfragenError):
                self.digest(stack_id)

        walk(Graph({sid: () for sid in stack_ids}), read, max_parallel=max_parallel)


def tag_matches(info: StackInfo | None, fingerprint: str) -> bool:
    return (
        info is not None
        and info.tags.get(FINGERPRINT_TAG) == fingerprint
        and st.is_succeeded(info.status)
    )


@dataclass(frozen=True)
class SettingChange:
    """One stack setting that differs between what is deployed and what infragen would deploy.
    `deployed`/`wanted` None: absent on that side. `secret`: never show the values."""

    kind: str  # parameter | tag | termination protection
    name: str
    deployed: str | None
    wanted: str | None
    secret: bool = False

    @property
    def subject(self) -> str:
        return f"{self.kind} {self.name}".strip()

    def describe(self) -> str:
        """`subject: before -> after`, values of a secret never shown."""
        if self.secret:
            what = "changed" if self.deployed is not None and self.wanted is not None else ""
            what = what or ("added" if self.deployed is None else "removed")
            return f"{self.subject}: {what} (NoEcho)"
        show = str if self.kind == "termination protection" else repr
        if self.deployed is None:
            return f"{self.subject}: added {show(self.wanted)}"
        if self.wanted is None:
            return f"{self.subject}: removed (was {show(self.deployed)})"
        return f"{self.subject}: {show(self.deployed)} -> {show(self.wanted)}"


def setting_changes(
    stack: ManifestStack, info: StackInfo, parameters: Mapping[str, str]
) -> list[SettingChange]:
    """Parameters, tags and termination protection that differ; pure (no AWS call).

    A NoEcho parameter's deployed value reads `****`, so it counts as unchanged unless
    CloudFormation shows a value; parameters infragen does not pass (SSM, secrets) are
    CloudFormation's to resolve and not compared."""
    changes: list[SettingChange] = []
    for name, value in sorted(parameters.items()):
        deployed = info.parameters.get(name)
        no_echo = bool(stack.parameters.get(name, {}).get("no_echo"))
        if deployed is None or (deployed != value and not (no_echo and deployed == MASKED)):
            secret = no_echo or looks_secret(name)
            changes.append(SettingChange("parameter", name, deployed, value, secret))
    # Provenance tags change with every commit; they never make a stack 'changed'.
    deployed_tags = without_bookkeeping(info.tags, FINGERPRINT_TAG)
    for key in sorted(deployed_tags.keys() | stack.tags.keys()):
        if deployed_tags.get(key) != stack.tags.get(key):
            changes.append(SettingChange("tag", key, deployed_tags.get(key), stack.tags.get(key)))
    if info.termination_protection != stack.termination_protection:
        on_off = {True: "on", False: "off"}
        changes.append(
            SettingChange(
                "termination protection",
                "",
                on_off[info.termination_protection],
                on_off[stack.termination_protection],
            )
        )
    return changes


def deployed_differences(
    stack: ManifestStack,
    info: StackInfo,
    parameters: Mapping[str, str],
    templates: DeployedTemplates,
) -> list[str]:
    """What differs between the deployed stack and the manifest's; empty when unchanged.
    Reads the deployed template (GetTemplate) only when everything else matches."""
    changes = setting_changes(stack, info, parameters)
    kinds = {c.kind for c in changes}
    differences = [c.subject for c in changes if c.kind == "parameter"]
    if "tag" in kinds:
        differences.append("tags")
    if "termination protection" in kinds:
        differences.append("termination protection")
    if not differences and templates.digest(stack.id) != stack.sha256:
        differences.append("template")
    return differences


def prefetch_candidates(
    stack_ids: list[str],
    states: StackStates,
    templates: DeployedTemplates,
    manifest: Manifest,
    environ: Mapping[str, str],
    max_parallel: int = READ_PARALLEL,
) -> None:
    """Read the deployed templates of the stacks whose fingerprint tag matches, in
    parallel, before the walk needs them one by one."""
    candidates = []
    for sid in stack_ids:
        stack = manifest.stacks[sid]
        try:
            info = states.get(sid)
            params = resolve_parameters(stack, states, environ)
        except InfragenError:  # the stack's own step reports it
            continue
        if tag_matches(info, stack_fingerprint(stack, params)):
            candidates.append(sid)
    templates.prefetch(candidates, max_parallel)

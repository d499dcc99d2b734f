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
import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

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
VERIFIED_DIR = Path(".infragen-cache") / "deployed"


class VerifiedTemplates:
    """Digests of deployed templates from earlier runs, each valid for one stack version.

    A version is the stack's id (ARN: a recreated stack has a new one) and its last update
    time: any update, infragen's or anyone else's, moves the time, so a recorded digest is
    used only while the stack has not changed since it was read or deployed. This turns a
    no-op deploy, plan or status into DescribeStacks alone. Digests only, never values; a
    file that cannot be read is no record.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self._known: dict[str, list[str]] = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self._known = {}
        self._dirty = False

    @staticmethod
    def _version(info: StackInfo) -> list[str] | None:
        if info.last_updated is None:
            return None
        return [info.stack_id, info.last_updated.isoformat()]

    def get(self, stack_id: str, info: StackInfo) -> str | None:
        version = self._version(info)
        with self._lock:
            entry = self._known.get(stack_id)
        if version is None or not entry or entry[:2] != version:
            return None
        return entry[2]

    def record(self, stack_id: str, info: StackInfo, digest: str) -> None:
        version = self._version(info)
        if version is None:
            return
        with self._lock:
            if self._known.get(stack_id) != [*version, digest]:
                self._known[stack_id] = [*version, digest]
                self._dirty = True

    def save(self) -> None:
        """Write what changed (atomically: a killed run leaves the old file or the new).

        The write happens under the lock: two deploy threads saving at once could otherwise
        rename their files in the other order, the older content last, and lose a digest
        (the next no-op deploy then read that stack's template again)."""
        with self._lock:
            if not self._dirty:
                return
            text = json.dumps(self._known, sort_keys=True)
            self._dirty = False
            with contextlib.suppress(OSError):  # a cache: failing to keep it is not an error
                self._path.parent.mkdir(parents=True, exist_ok=True)
                partial = self._path.with_name(f"{self._path.name}.{os.getpid()}.tmp")
                partial.write_text(text, encoding="utf-8")
                os.replace(partial, self._path)


def verified_templates_path(templates_dir: Path, env: str) -> Path:
    """Where the records of one env live: in the project beside its templates directory
    (`.infragen-cache/deployed/`, gitignored as the other caches)."""
    root = templates_dir.resolve().parent
    key = hashlib.sha256(f"{templates_dir.resolve()}\0{env}".encode()).hexdigest()[:16]
    return root / VERIFIED_DIR / f"{env}-{key}.json"


class DeployedTemplates:
    """Digest of each deployed template, read at most once per run, in parallel; with a
    `verified` record, not read at all while the stack is the version last seen."""

    def __init__(
        self,
        manifest: Manifest,
        gateway_for: Callable[[ManifestStack], Gateway],
        states: StackStates | None = None,
        verified: VerifiedTemplates | None = None,
    ) -> None:
        self._manifest = manifest
        self._gateway_for = gateway_for
        self._states = states
        self._verified = verified
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()

    def digest(self, stack_id: str, *, save: bool = True) -> str:
        """The deployed template's sha256; `save=False` leaves writing the record to the
        caller (prefetch writes it once for all its reads, not once per stack)."""
        with self._lock:
            if stack_id in self._digests:
                return self._digests[stack_id]
        info = self._info(stack_id)
        recorded = self._verified.get(stack_id, info) if self._verified and info else None
        if recorded is not None:
            value = recorded
        else:
            stack = self._manifest.stacks[stack_id]
            body = self._gateway_for(stack).get_template(stack.name)
            value = hashlib.sha256(body.encode()).hexdigest()
            if self._verified and info:
                self._verified.record(stack_id, info, value)
                if save:
                    self._verified.save()
        with self._lock:
            self._digests[stack_id] = value
        return value

    def deployed(self, stack_id: str, final: StackInfo, digest: str) -> None:
        """The template of `digest` was just deployed and the stack is now `final`."""
        with self._lock:
            self._digests[stack_id] = digest
        if self._verified:
            self._verified.record(stack_id, final, digest)
            self._verified.save()

    def _info(self, stack_id: str) -> StackInfo | None:
        if self._states is None:
            return None
        try:
            return self._states.get(stack_id)
        except InfragenError:
            return None

    def prefetch(self, stack_ids: list[str], max_parallel: int = READ_PARALLEL) -> None:
        """One GetTemplate per stack, `max_parallel` at a time; errors surface later, when
        the stack's own `digest` call repeats the read."""

        def read(stack_id: str) -> None:
            with contextlib.suppress(InfragenError):
                self.digest(stack_id, save=False)

        walk(Graph({sid: () for sid in stack_ids}), read, max_parallel=max_parallel)
        if self._verified:
            self._verified.save()


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

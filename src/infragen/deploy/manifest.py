"""The committed templates_out/<env>/ as deploy reads it: manifest.json plus template files.

Deploy ships what reviewers saw, so it reads the committed files, after checking that they
still match what the config renders to (stale templates would deploy an unreviewed mix).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infragen.aws.credentials import CredentialsTarget
from infragen.dag import CycleError, Graph
from infragen.deploy.hooks import Hooks, parse_hooks
from infragen.errors import EXIT_USAGE, ConfigError, InfragenError, Location, StaleTemplatesError
from infragen.suggest import did_you_mean

if TYPE_CHECKING:
    from infragen.model import StackSetSpec

SUPPORTED_VERSION = 1
#: Production: how long CloudFormation watches a stack's rollback triggers after an update
#: (config `rollback_monitoring_minutes`); two periods of the blueprints' 5-minute alarms.
DEFAULT_MONITORING_MINUTES = 10


class ManifestError(InfragenError):
    """templates_out/<env>/ is missing, unreadable, or does not match its manifest."""

    exit_code = 1


class InvalidManifestError(ManifestError):
    """manifest.json or a template it lists is not what infragen writes (hand edit, merge
    conflict, another encoding): bad input, like a bad config."""

    exit_code = EXIT_USAGE


_REGENERATE = "templates_out/ is generated: run `infragen render --env {env}` to rewrite it"


@dataclass(frozen=True)
class Place:
    """An account and a region: what plan, status, drift and outputs group stacks by."""

    account_id: str | None  # None: whatever the caller's credentials reach
    region: str

    def __str__(self) -> str:
        account = f"account {self.account_id}" if self.account_id else "caller's account"
        return f"{account}, {self.region}"

    def sort_key(self) -> tuple[str, str]:
        return (self.account_id or "", self.region)


@dataclass(frozen=True)
class ManifestStack:
    id: str
    name: str
    template: Path
    sha256: str
    region: str
    depends_on: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    outputs: tuple[str, ...]
    tags: dict[str, str]
    termination_protection: bool
    # Deployed as a StackSet with instances per target and region, not as one stack.
    stackset: StackSetSpec | None = None
    # The account it belongs in, the role assumed to reach it and the profile whose
    # credentials start the chain (None: the caller's own credentials, unchecked).
    account_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None
    hooks: Hooks = field(default_factory=dict)

    @property
    def place(self) -> Place:
        return Place(self.account_id, self.region)

    def body(self) -> str:
        from infragen.config.loader import decode_utf8

        hint = "templates_out/ is generated: run `infragen render` to rewrite it"
        return decode_utf8(
            self.template.read_bytes(), str(self.template), hint, InvalidManifestError
        )


@dataclass(frozen=True)
class Manifest:
    env: str
    project: str
    region: str
    production: bool
    template_bucket: str | None
    stacks: dict[str, ManifestStack]
    root: Path
    graph: Graph = field(compare=False)
    rollback_monitoring_minutes: int = DEFAULT_MONITORING_MINUTES
    # Config `retired:`: regions, and accounts (region ""), the env no longer deploys to,
    # where prune still looks for the stacks it left.
    retired_regions: tuple[str, ...] = ()
    retired_accounts: tuple[CredentialsTarget, ...] = ()

    def select(self, names: list[str] | tuple[str, ...], *, only: bool) -> Graph:
        """The graph of the named stacks plus their dependencies (all stacks if none named;
        with `only`, just the named ones)."""
        if not names:
            return self.graph
        unknown = [n for n in names if n not in self.stacks]
        if unknown:
            suggestions = [did_you_mean(n, self.stacks) for n in unknown]
            hint = " ".join(s for s in suggestions if s)
            raise ConfigError(
                f"unknown stack(s) in {self.env}: {', '.join(unknown)}",
                (hint + " " if hint else "")
                + f"stack ids are app/name; run `infragen list --env {self.env}`",
            )
        keep = set(names) if only else self.graph.closure(names)
        return self.graph.subgraph(keep)

    def select_with_dependents(self, names: list[str] | tuple[str, ...], *, only: bool) -> Graph:
        """For delete: the named stacks plus everything that depends on them."""
        if not names:
            return self.graph
        reverse = self.reversed_graph()
        self.select(names, only=True)  # validates the names
        keep = set(names) if only else reverse.closure(names)
        return self.graph.subgraph(keep)

    def reversed_graph(self) -> Graph:
        return self.graph.reversed()

    def by_place(self, stack_ids: Iterable[str]) -> list[tuple[Place, list[str]]]:
        """The stack ids grouped by account and region (groups sorted, ids in the order
        given), for output that spans several."""
        groups: dict[Place, list[str]] = {}
        for sid in stack_ids:
            groups.setdefault(self.stacks[sid].place, []).append(sid)
        return sorted(groups.items(), key=lambda item: item[0].sort_key())


def load_manifest(templates_dir: Path, env: str, *, trusted: bool = False) -> Manifest:
    """The manifest and its templates, checked. `trusted`: the caller just verified that
    manifest.json is exactly what render writes, so its shape needs no second check (and
    a no-op deploy does not pay for importing the schema's validator)."""
    root = templates_dir / env
    path = root / "manifest.json"
    if not path.is_file():
        raise ManifestError(
            f"{path} not found",
            f"run `infragen render --env {env}` and commit templates_out/{env}/",
        )
    model = _parse(path, env, trusted=trusted)
    stacks: dict[str, ManifestStack] = {}
    for sid, raw in model["stacks"].items():
        stacks[sid] = ManifestStack(
            id=sid,
            name=raw["name"],
            template=root / raw["template"],
            sha256=raw["sha256"],
            region=raw.get("region") or model["region"],
            depends_on=tuple(raw.get("depends_on", ())),
            parameters=dict(raw.get("parameters", {})),
            outputs=tuple(raw.get("outputs", ())),
            tags=dict(raw.get("tags", {})),
            termination_protection=raw.get("termination_protection", False),
            stackset=_stackset(raw.get("stackset")),
            account_id=raw.get("account_id"),
            role_arn=raw.get("role_arn"),
            external_id=raw.get("external_id"),
            profile=raw.get("profile"),
            hooks=parse_hooks(raw.get("hooks", {})),
        )
    for sid, stack in stacks.items():
        unknown = sorted(set(stack.depends_on) - set(stacks))
        if unknown:
            raise InvalidManifestError(
                f"{path}: wrong key: stacks[{json.dumps(sid)}].depends_on: unknown stack(s) "
                + ", ".join(unknown),
                _REGENERATE.format(env=env),
            )
    try:
        graph = Graph({sid: s.depends_on for sid, s in stacks.items()})
    except CycleError as exc:
        raise InvalidManifestError(
            f"{path}: wrong key: stacks.*.depends_on: a dependency cycle: {exc}",
            _REGENERATE.format(env=env),
        ) from exc
    retired = model.get("retired") or {}
    manifest = Manifest(
        env=model["env"],
        project=model["project"],
        region=model["region"],
        production=model.get("production", False),
        template_bucket=model.get("template_bucket"),
        stacks=stacks,
        root=root,
        graph=graph,
        rollback_monitoring_minutes=_monitoring_minutes(model),
        retired_regions=tuple(retired.get("regions", ())),
        retired_accounts=tuple(
            CredentialsTarget(
                "", a.get("account_id"), a.get("role_arn"), a.get("external_id"), a.get("profile")
            )
            for a in retired.get("accounts", ())
        ),
    )
    _check_files(manifest)
    return manifest


def _monitoring_minutes(model: dict[str, Any]) -> int:
    """Config's value (0 included: watch only while resources change), else the default."""
    minutes = model.get("rollback_monitoring_minutes")
    return DEFAULT_MONITORING_MINUTES if minutes is None else int(minutes)


def _stackset(raw: dict[str, Any] | None) -> StackSetSpec | None:
    """The typed `stackset:` of a stack; pydantic is imported only when one is declared."""
    if raw is None:
        return None
    from infragen.model import StackSetSpec

    return StackSetSpec.model_validate(raw)


def _parse(path: Path, env: str, *, trusted: bool) -> dict[str, Any]:
    """manifest.json as checked data; InvalidManifestError naming the line or the key."""
    from infragen.config.loader import decode_utf8

    hint = _REGENERATE.format(env=env)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ManifestError(f"{path} cannot be read: {exc.strerror or exc}", hint) from exc
    text = decode_utf8(raw, str(path), hint, InvalidManifestError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        conflict = "<<<<<<<" in text or ">>>>>>>" in text
        raise InvalidManifestError(
            f"not valid JSON: {exc.msg}" + (" (it has merge-conflict markers)" if conflict else ""),
            ("resolve the conflict by re-rendering: " if conflict else "") + hint,
            location=Location(str(path), exc.lineno, exc.colno),
        ) from exc
    except RecursionError as exc:
        raise InvalidManifestError(
            "not a manifest infragen wrote: nested too deeply",
            hint,
            location=Location(str(path), 1, 1),
        ) from exc
    if not isinstance(data, dict) or data.get("version") != SUPPORTED_VERSION:
        found = data.get("version") if isinstance(data, dict) else None
        raise InvalidManifestError(
            f"{path} has manifest version {found!r}; this infragen reads "
            f"version {SUPPORTED_VERSION}",
            "re-render with this infragen version",
        )
    if trusted:
        return data
    from infragen.deploy.manifest_schema import ManifestShapeError, validate

    try:
        return validate(data)
    except ManifestShapeError as exc:
        raise InvalidManifestError(
            f"wrong key{'s' if len(exc.problems) > 1 else ''}: {exc.shown}",
            hint,
            location=Location(str(path), line_of(text, exc.first), 1),
        ) from None


def line_of(text: str, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest key of `loc` found in the JSON text (render writes one key per
    line), so a missing key points at the object that lacks it."""
    position = 0
    for part in loc:
        if not isinstance(part, str):
            continue
        found = text.find(json.dumps(part) + ":", position)
        if found < 0:
            break
        position = found
    return text.count("\n", 0, position) + 1


def _check_files(manifest: Manifest) -> None:
    """Every template exists and hashes to what the manifest says."""
    for stack in manifest.stacks.values():
        if not stack.template.is_file():
            raise ManifestError(
                f"{stack.template} listed in the manifest is missing", "run `infragen render`"
            )
        digest = hashlib.sha256(stack.template.read_bytes()).hexdigest()
        if digest != stack.sha256:
            raise ManifestError(
                f"{stack.template} does not match its sha256 in manifest.json (edited by hand?)",
                "run `infragen render`; templates_out/ is generated, edit the config instead",
            )


def verify_up_to_date(config_dir: Path, templates_dir: Path, env: str) -> None:
    """Render `env` in memory and compare with the committed files (no writes).

    A check that passed is remembered under a digest of all its inputs, so an unchanged
    redeploy does not pay for the render (see infragen.render.freshness).
    """
    from infragen.render.freshness import freshness_key, is_known_fresh, remember_fresh

    key = freshness_key(config_dir, templates_dir, env)
    if key is not None and is_known_fresh(key):
        return
    from infragen.render.render import render_env
    from infragen.render.service import load_env
    from infragen.render.writer import check_envs

    rendered = render_env(load_env(config_dir, env))
    result = check_envs(templates_dir, [rendered], all_envs=False)
    if not result.clean:
        paths = [*result.stale, *result.missing, *result.extra]
        raise StaleTemplatesError(
            f"{templates_dir}/{env}/ is out of date with the config: {', '.join(paths[:5])}"
            + (" ..." if len(paths) > 5 else ""),
            f"run `infragen render --env {env}`, review and commit, then deploy",
        )
    if key is not None:
        remember_fresh(key)


def load_verified(config_dir: Path, templates_dir: Path, env: str) -> Manifest:
    verify_up_to_date(config_dir, templates_dir, env)
    return load_manifest(templates_dir, env, trusted=True)

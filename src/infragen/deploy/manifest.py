"""The committed templates_out/<env>/ as deploy reads it: manifest.json plus template files.

Deploy ships what reviewers saw, so it reads the committed files, after checking that they
still match what the config renders to (stale templates would deploy an unreviewed mix).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infragen.dag import Graph
from infragen.errors import ConfigError, InfragenError, StaleTemplatesError

SUPPORTED_VERSION = 1


class ManifestError(InfragenError):
    """templates_out/<env>/ is missing, unreadable, or does not match its manifest."""

    exit_code = 1


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

    def body(self) -> str:
        return self.template.read_text(encoding="utf-8")


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

    def select(self, names: list[str] | tuple[str, ...], *, only: bool) -> Graph:
        """The graph of the named stacks plus their dependencies (all stacks if none named;
        with `only`, just the named ones)."""
        if not names:
            return self.graph
        unknown = [n for n in names if n not in self.stacks]
        if unknown:
            raise ConfigError(
                f"unknown stack(s) in {self.env}: {', '.join(unknown)}",
                f"stack ids are app/name; run `infragen list --env {self.env}`",
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


def load_manifest(templates_dir: Path, env: str) -> Manifest:
    root = templates_dir / env
    path = root / "manifest.json"
    if not path.is_file():
        raise ManifestError(
            f"{path} not found",
            f"run `infragen render --env {env}` and commit templates_out/{env}/",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path} is not readable JSON: {exc}", "run `infragen render`") from exc
    if data.get("version") != SUPPORTED_VERSION:
        raise ManifestError(
            f"{path} has manifest version {data.get('version')!r}; this infragen reads "
            f"version {SUPPORTED_VERSION}",
            "re-render with this infragen version",
        )
    stacks: dict[str, ManifestStack] = {}
    for sid, raw in data["stacks"].items():
        stacks[sid] = ManifestStack(
            id=sid,
            name=raw["name"],
            template=root / raw["template"],
            sha256=raw["sha256"],
            region=raw.get("region") or data["region"],
            depends_on=tuple(raw.get("depends_on", ())),
            parameters=raw.get("parameters", {}),
            outputs=tuple(raw.get("outputs", ())),
            tags=dict(raw.get("tags", {})),
            termination_protection=bool(raw.get("termination_protection", False)),
        )
    graph = Graph({sid: s.depends_on for sid, s in stacks.items()})
    manifest = Manifest(
        env=data["env"],
        project=data["project"],
        region=data["region"],
        production=bool(data.get("production", False)),
        template_bucket=data.get("template_bucket"),
        stacks=stacks,
        root=root,
        graph=graph,
    )
    _check_files(manifest)
    return manifest


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
    from infragen.config.project import load_env
    from infragen.render.render import render_env
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
    return load_manifest(templates_dir, env)

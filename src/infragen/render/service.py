"""The functions the CLI calls: load the envs asked for, render them, write or check.

A render first asks the record of the last one (infragen.render.record) whether anything
changed; only when something did are config loading and pydantic imported, and only the
blueprints of the stacks that changed: the others are neither validated nor built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infragen.render import record as records
from infragen.render.writer import CheckResult

if TYPE_CHECKING:
    from infragen.config.project import ConfigReader, Env, Stack, UnchangedStacks
    from infragen.render.render import RenderedEnv, RenderedStack


@dataclass
class RenderSummary:
    env_names: list[str]
    stack_count: int
    changed: list[str] = field(default_factory=list)
    check: CheckResult | None = None
    built: int = 0  # stacks built this run; the others were known to be unchanged
    notes: list[str] = field(default_factory=list)  # repairs after an interrupted render


def load_env(
    config_dir: Path,
    name: str,
    unchanged: UnchangedStacks | None = None,
    read: ConfigReader | None = None,
) -> Env:
    """One env, its blueprints found through the registry (built-ins and plugins alike);
    `unchanged` and `read` as `infragen.config.project.load_env` takes them."""
    from infragen.blueprints.registry import get_blueprint
    from infragen.config import project

    return project.load_env(config_dir, name, get_blueprint, unchanged, read)


def load_envs(
    config_dir: Path,
    names: list[str] | None,
    unchanged: dict[str, UnchangedStacks] | None = None,
    read: ConfigReader | None = None,
) -> list[Env]:
    """Load every env asked for (all by default), reporting the errors of all of them at once;
    `unchanged` by env name."""
    from infragen.config.project import list_envs
    from infragen.errors import ConfigError, ConfigErrors

    wanted = names or list_envs(config_dir)
    if not wanted:
        raise ConfigError(
            f"no environments in {config_dir}",
            "add config/defaults.yaml and one <env>.yaml per environment",
        )
    envs: list[Env] = []
    errors: list[ConfigError] = []
    for name in dict.fromkeys(wanted):
        try:
            envs.append(load_env(config_dir, name, (unchanged or {}).get(name), read))
        except ConfigErrors as exc:
            errors.extend(exc.errors)
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        # defaults.yaml problems show up once per env: report each once.
        unique = {(str(e.location), e.message): e for e in errors}
        raise ConfigErrors(list(unique.values()))
    return envs


def render(
    config_dir: Path, out_dir: Path, names: list[str] | None, *, check: bool
) -> RenderSummary:
    """Render (or with `check`, compare) the envs asked for, building only what changed:
    envs whose inputs and templates are as the last render recorded are not even loaded."""
    previous = records.load_record(out_dir)
    wanted = list(dict.fromkeys(names or records.env_names(config_dir)))
    # Taken before anything is loaded: a config file saved while this render runs must
    # make the next one render again, not be recorded as what this one rendered.
    inputs = {name: records.inputs_digest(config_dir, name) for name in wanted}
    files = records.tree_stats(out_dir)
    fresh = _fresh_envs(previous, inputs, files, all_envs=not names)
    recorded = sum(len(previous.envs[name].stacks) for name in fresh) if previous else 0
    if wanted and len(fresh) == len(wanted):
        return RenderSummary(wanted, recorded, check=CheckResult() if check else None)
    from infragen.render.writer import check_envs, write_envs

    # The fresh envs stay as they are, like the envs `--env` leaves out.
    all_envs = not names and not fresh
    stale = [name for name in wanted if name not in fresh] or names or []
    reuse = {name: _Reuse(previous, out_dir, name) for name in stale}
    envs = load_envs(config_dir, stale or None, dict(reuse), _reader())
    for env in envs:
        reuse[env.name].settle(env)
    digests = {env.name: reuse[env.name].digests for env in envs}
    reused = {env.name: reuse[env.name].stacks for env in envs}
    rendered = [
        _render_env(out_dir, env, reused[env.name], cache=digests[env.name] is not None)
        for env in envs
    ]
    built = sum(len(env.stacks) for env in rendered)
    summary = RenderSummary([*fresh, *(env.name for env in envs)], built + recorded)
    summary.built = built - sum(len(stacks) for stacks in reused.values())
    if check:
        summary.check = check_envs(out_dir, rendered, all_envs=all_envs)
        # Only what was checked is recorded: not a tree another render changed meanwhile.
        if summary.check.clean and records.tree_stats(out_dir) == files:
            _remember(previous, out_dir, inputs, envs, digests, files, all_envs=all_envs)
    else:
        summary.changed = write_envs(
            out_dir,
            rendered,
            all_envs=all_envs,
            notes=summary.notes,
            # Under the writer's lock, so the files recorded are the ones this render wrote.
            after=lambda: _remember(
                previous,
                out_dir,
                inputs,
                envs,
                digests,
                records.tree_stats(out_dir),
                all_envs=all_envs,
            ),
        )
    return summary


def _render_env(
    out_dir: Path, env: Env, reused: dict[str, RenderedStack], *, cache: bool
) -> RenderedEnv:
    """Render one env; the documents its README was built from go to the cache (when the
    record can reuse its stacks at all) and are then let go, so memory holds one env's."""
    from infragen.render.documents import save_documents, with_documents, without_documents
    from infragen.render.render import render_env

    rendered = render_env(env, with_documents(out_dir, env.name, reused))
    if cache:
        save_documents(out_dir, rendered)
    return without_documents(rendered)


def _fresh_envs(
    previous: records.Record | None,
    inputs: dict[str, str | None],
    files: dict[str, list[int]],
    *,
    all_envs: bool,
) -> list[str]:
    """The envs asked for (`inputs`) whose inputs and files are what the last render
    recorded.

    Rendering every env also removes env directories config no longer has: then none is
    fresh unless templates_out/ holds no env directory beyond those asked for.
    """
    if previous is None:
        return []
    if all_envs:
        from infragen.render.writer import MANIFEST

        env_dirs = {rel.split("/", 1)[0] for rel in files if rel.endswith("/" + MANIFEST)}
        if not env_dirs <= set(inputs):
            return []
    return [
        name
        for name, digest in inputs.items()
        if name in previous.envs
        and digest is not None
        and previous.envs[name].inputs == digest
        and records.files_of(files, name) == records.files_of(previous.files, name)
    ]


def _reader() -> ConfigReader | None:
    """The reader that keeps the parse of unchanged config files (infragen.render.parsed), or
    None (parse every file) when a YAML tag comes from outside infragen: its parse is code
    the cache key does not cover."""
    if _outside_tags():
        return None
    from infragen.render.parsed import read_config

    return read_config


class _Reuse:
    """What the last render left of one env that this render takes as it is: the stacks
    whose build digest is the recorded one. Handed to config loading as its `unchanged`,
    so those stacks are not validated either (nor their blueprints imported)."""

    def __init__(self, previous: records.Record | None, out_dir: Path, name: str) -> None:
        self.previous = previous
        self.out_dir = out_dir
        self.name = name
        self.digests: dict[str, str] | None = None
        self.stacks: dict[str, RenderedStack] = {}
        self.asked = False

    def __call__(self, stacks: dict[str, Stack]) -> dict[str, frozenset[str]]:
        self.asked = True
        self.digests = _digests(stacks)
        self.stacks = _reusable(self.previous, self.out_dir, self.name, self.digests)
        if self.previous is None or not self.stacks:
            return {}
        outputs = self.previous.envs[self.name].outputs
        return {sid: frozenset(outputs[sid]) for sid in self.stacks if sid in outputs}

    def settle(self, env: Env) -> None:
        """After loading: config loading stops short of asking when it has found an error
        already, and a loaded env has none; ask anyway rather than trust that."""
        if not self.asked:
            self(env.stacks)
        unvalidated = [sid for sid, s in env.stacks.items() if s.blueprint is None]
        if any(sid not in self.stacks for sid in unvalidated):
            raise RuntimeError(f"{self.name}: stacks loaded unvalidated are not reused")


def _digests(stacks: dict[str, Stack]) -> dict[str, str] | None:
    """Each stack's build digest, or None when the env uses code from outside infragen (a
    plugin blueprint or tag), whose changes the record cannot see."""
    from infragen.blueprints.registry import builtin_names
    from infragen.render.render import stack_digests

    builtin = builtin_names()
    if _outside_tags() or any(s.spec.blueprint not in builtin for s in stacks.values()):
        return None
    return stack_digests(stacks, records.code_stamp())


def _outside_tags() -> bool:
    """Whether a config tag is provided by code outside infragen (its parse may change)."""
    from infragen.config.tags import known_tags, tag_class

    try:
        classes = [tag_class(tag) for tag in known_tags()]
    except Exception:  # a broken plugin: loading reports it where it is used
        return True
    return any(cls is None or not cls.__module__.startswith("infragen.") for cls in classes)


def _reusable(
    previous: records.Record | None, out_dir: Path, env: str, digests: dict[str, str] | None
) -> dict[str, RenderedStack]:
    """Stacks whose digest is the one recorded for the template now in out_dir: their
    template and manifest entry are taken as they are. Any doubt about the env's files (a
    file touched since the record, a manifest or template that does not match) reuses none."""
    if previous is None or digests is None or env not in previous.envs:
        return {}
    recorded = previous.envs[env].stacks
    same = [sid for sid, digest in digests.items() if recorded.get(sid) == digest]
    if not same:
        return {}
    if records.files_of(records.tree_stats(out_dir, env), env) != records.files_of(
        previous.files, env
    ):
        return {}
    try:
        manifest = json.loads((out_dir / env / "manifest.json").read_text(encoding="utf-8"))
        return {sid: _from_disk(out_dir / env, sid, manifest["stacks"][sid]) for sid in same}
    except (OSError, ValueError, KeyError, TypeError, _Mismatch):
        return {}


class _Mismatch(Exception):
    """A template on disk is not the one its manifest entry describes."""


def _from_disk(env_dir: Path, sid: str, entry: dict) -> RenderedStack:
    from infragen.render.render import RenderedStack

    raw = (env_dir / entry["template"]).read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    if sha256 != entry["sha256"]:
        raise _Mismatch(entry["template"])
    return RenderedStack(
        id=sid,
        cfn_name=entry["name"],
        path=entry["template"],
        body=raw.decode("utf-8"),
        sha256=sha256,
        parameters=entry["parameters"],
        outputs=entry["outputs"],
    )


def _remember(
    previous: records.Record | None,
    out_dir: Path,
    inputs: dict[str, str | None],
    loaded: list[Env],
    digests: dict[str, dict[str, str] | None],
    files: dict[str, list[int]],
    *,
    all_envs: bool,
) -> None:
    """Record that out_dir holds `files`, rendered from `inputs`; envs not rendered keep
    their record only while their files are as it says."""
    envs: dict[str, records.EnvRecord] = {}
    if previous is not None and not all_envs:
        for name, env in previous.envs.items():
            if records.files_of(files, name) == records.files_of(previous.files, name):
                envs[name] = env
    for env in loaded:
        stacks = digests[env.name]
        digest = inputs.get(env.name)
        if stacks is None or digest is None:
            envs.pop(env.name, None)
        else:
            envs[env.name] = records.EnvRecord(digest, stacks, _declared_outputs(env))
    if envs:
        records.save_record(out_dir, records.Record(envs, files))
    else:
        records.forget_record(out_dir)


def _declared_outputs(env: Env) -> dict[str, list[str]]:
    """Per stack, the outputs its blueprint declares for its vars (as recorded, for a stack
    whose vars were not validated again)."""
    found: dict[str, list[str]] = {}
    for sid, stack in env.stacks.items():
        if stack.recorded_outputs is not None:
            found[sid] = sorted(stack.recorded_outputs)
        elif stack.blueprint is not None and stack.vars is not None:
            found[sid] = sorted(stack.blueprint.output_names(stack.vars))
    return found

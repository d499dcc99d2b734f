"""Load one environment: read, merge, validate every stack's vars, derive the DAG.

Every error of the run is collected and raised together as ConfigErrors, each pointing at
`file:line:col` with a one-line hint.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from infragen.config.loader import KEY_MARK, LoadedFile, PathKey, load_yaml_file
from infragen.config.merge import merge_files
from infragen.config.tags import ConfigTag, StackOutputTag
from infragen.dag import CycleError, Graph
from infragen.errors import BlueprintError, ConfigError, ConfigErrors, Location
from infragen.model import (
    BuildContext,
    EnvConfig,
    StackSpec,
    cfn_stack_name,
    is_production,
    stack_id,
    standard_tags,
)

DEFAULTS_FILE = "defaults.yaml"


class BlueprintClass(Protocol):
    """What config loading needs of a blueprint: its Vars model and its declared outputs.

    Config never imports the blueprints; the caller hands `load_env` a resolver (name ->
    class), so imports point one way (blueprints -> config).
    """

    Vars: type[BaseModel]

    def output_names(self, vars: Any) -> set[str]: ...


BlueprintResolver = Callable[[str], BlueprintClass]


@dataclass
class Stack:
    """A stack of one environment, with validated vars and derived dependencies."""

    id: str
    app: str
    name: str
    cfn_name: str
    spec: StackSpec
    blueprint: BlueprintClass
    vars: BaseModel | None  # None only while its errors are being collected
    tags: dict[str, str]
    region: str
    termination_protection: bool
    dependencies: set[str]
    context: BuildContext  # what its blueprint is built with
    location: Location | None = None


@dataclass
class Env:
    name: str
    config: EnvConfig
    production: bool
    stacks: dict[str, Stack]
    graph: Graph
    files: list[Path] = field(default_factory=list)

    @property
    def project(self) -> str:
        return self.config.project


def list_envs(config_dir: Path) -> list[str]:
    if not config_dir.is_dir():
        raise ConfigError(
            f"config directory {_display(config_dir)} not found",
            "run from the repository root or pass --config-dir",
        )
    return sorted(p.stem for p in config_dir.glob("*.yaml") if p.name != DEFAULTS_FILE)


def load_raw(config_dir: Path, env: str) -> tuple[dict[str, Any], dict[PathKey, Location]]:
    """defaults.yaml deep-merged with <env>.yaml, and where each value came from."""
    known = list_envs(config_dir)
    if env not in known:
        raise ConfigError(
            f"unknown environment {env!r}",
            f"environments are the files in {_display(config_dir)}: {', '.join(known) or 'none'}",
        )
    errors: list[ConfigError] = []
    loaded: list[LoadedFile] = []
    for path in (config_dir / DEFAULTS_FILE, config_dir / f"{env}.yaml"):
        if not path.exists() and path.name == DEFAULTS_FILE:
            loaded.append(LoadedFile(path, {}, {}))
            continue
        try:
            loaded.append(load_yaml_file(path, _display(path)))
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise ConfigErrors(errors)
    return merge_files(loaded[0], loaded[1])


def load_env(config_dir: Path, env: str, resolve: BlueprintResolver) -> Env:
    """Validate the whole environment; raise ConfigErrors listing every problem found.

    `resolve` finds a blueprint class by name (the registry's `get_blueprint`)
    and raises BlueprintError for one it cannot load.
    """
    data, positions = load_raw(config_dir, env)
    try:
        config = EnvConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigErrors(_pydantic_errors(exc, (), positions, EnvConfig)) from None
    return _EnvBuilder(config_dir, env, config, positions, resolve).build()


class _EnvBuilder:
    def __init__(
        self,
        config_dir: Path,
        env: str,
        config: EnvConfig,
        positions: dict[PathKey, Location],
        resolve: BlueprintResolver,
    ) -> None:
        self.config_dir = config_dir
        self.env = env
        self.config = config
        self.positions = positions
        self.resolve = resolve
        self.production = is_production(env, config.production)
        self.errors: list[ConfigError] = []

    def build(self) -> Env:
        specs = {
            stack_id(app, name): (app, name, spec)
            for app, app_spec in self.config.apps.items()
            for name, spec in app_spec.stacks.items()
        }
        enabled = {sid for sid, (_, _, spec) in specs.items() if spec.enabled}
        stacks: dict[str, Stack] = {}
        for sid in sorted(enabled):
            app, name, spec = specs[sid]
            stack = self._stack(sid, app, name, spec, specs, enabled)
            if stack is not None:
                stacks[sid] = stack
        for stack in stacks.values():
            self._check_outputs(stack, stacks)
        graph = self._graph(stacks)
        if self.errors:
            raise ConfigErrors(self.errors)
        assert graph is not None
        files = [self.config_dir / DEFAULTS_FILE, self.config_dir / f"{self.env}.yaml"]
        return Env(self.env, self.config, self.production, stacks, graph, files)

    def _base(self, app: str, name: str) -> PathKey:
        return ("apps", app, "stacks", name)

    def _where(self, path: PathKey) -> Location | None:
        return _locate(path, self.positions)

    def _stack(
        self,
        sid: str,
        app: str,
        name: str,
        spec: StackSpec,
        specs: dict[str, tuple[str, str, StackSpec]],
        enabled: set[str],
    ) -> Stack | None:
        base = self._base(app, name)
        deps = self._dependencies(sid, base, spec, specs, enabled)
        try:
            blueprint = self.resolve(spec.blueprint)
        except BlueprintError as exc:
            self.errors.append(
                ConfigError(exc.message, exc.hint, location=self._where((*base, "blueprint")))
            )
            return None
        context = self._context(app, name, spec)
        try:
            vars_ = blueprint.Vars.model_validate(spec.vars, context={"build": context})
        except ValidationError as exc:
            self.errors.extend(
                _pydantic_errors(exc, (*base, "vars"), self.positions, blueprint.Vars)
            )
            vars_ = None
        protection = (
            spec.termination_protection
            if spec.termination_protection is not None
            else self.production
        )
        return Stack(
            id=sid,
            app=app,
            name=name,
            cfn_name=cfn_stack_name(self.config.project, self.env, sid),
            spec=spec,
            blueprint=blueprint,
            vars=vars_,
            tags=context.tags,
            region=context.region,
            termination_protection=protection,
            dependencies=deps,
            location=self._where(base),
            context=context,
        )

    def _context(self, app: str, name: str, spec: StackSpec) -> BuildContext:
        """Where the stack is deployed and its tags: what its blueprint may know."""
        tags = standard_tags(
            self.config.project,
            self.env,
            app,
            name,
            {**self.config.tags, **self.config.apps[app].tags, **spec.tags},
        )
        return BuildContext(
            project=self.config.project,
            env=self.env,
            app=app,
            stack=name,
            region=spec.region or self.config.region,
            production=self.production,
            tags=tags,
            alarm_topic=self.config.alarm_topic,
        )

    def _dependencies(
        self,
        sid: str,
        base: PathKey,
        spec: StackSpec,
        specs: dict[str, tuple[str, str, StackSpec]],
        enabled: set[str],
    ) -> set[str]:
        """Explicit `depends_on` plus the producers of `!stack_output` tags; bad ones reported."""
        deps: set[str] = set()
        for index, dep in enumerate(spec.depends_on):
            missing = _why_unavailable(dep, specs, enabled)
            if missing:
                self.errors.append(
                    ConfigError(
                        f"{sid} depends_on {dep!r}, which {missing}",
                        "stack ids are 'app/stack'; run `infragen list --env "
                        f"{self.env}` to see them",
                        location=self._where((*base, "depends_on", index)),
                    )
                )
            else:
                deps.add(dep)
        for tag in _tags_in(spec.vars):
            for dep in tag.dependencies():
                missing = _why_unavailable(dep, specs, enabled)
                if missing:
                    self.errors.append(
                        ConfigError(
                            f"{tag} refers to stack {dep!r}, which {missing}",
                            f"run `infragen list --env {self.env}` to see the stacks",
                            location=tag.location,
                        )
                    )
                elif dep == sid:
                    self.errors.append(
                        ConfigError(
                            f"{tag} refers to its own stack",
                            "a stack cannot consume its own outputs; use Ref/GetAtt inside "
                            "the blueprint instead",
                            location=tag.location,
                        )
                    )
                else:
                    deps.add(dep)
        return deps

    def _check_outputs(self, stack: Stack, stacks: dict[str, Stack]) -> None:
        for tag in _tags_in(stack.spec.vars):
            if not isinstance(tag, StackOutputTag) or tag.stack not in stacks:
                continue
            producer = stacks[tag.stack]
            if producer.vars is None:
                continue  # its own errors are already reported
            declared = producer.blueprint.output_names(producer.vars)
            if tag.output not in declared:
                self.errors.append(
                    ConfigError(
                        f"{tag}: stack {tag.stack} ({producer.spec.blueprint}) has no output "
                        f"{tag.output!r}",
                        "it declares: " + (", ".join(sorted(declared)) or "no outputs"),
                        location=tag.location,
                    )
                )

    def _graph(self, stacks: dict[str, Stack]) -> Graph | None:
        try:
            return Graph({sid: s.dependencies & set(stacks) for sid, s in stacks.items()})
        except CycleError as exc:
            first = stacks[exc.cycle[0]]
            self.errors.append(
                ConfigError(
                    f"dependency cycle: {' -> '.join(exc.cycle)}",
                    "break the cycle: move the shared resource into its own stack, or drop "
                    "one depends_on / !stack_output",
                    location=first.location,
                )
            )
            return None


def _why_unavailable(
    dep: str, specs: dict[str, tuple[str, str, StackSpec]], enabled: set[str]
) -> str | None:
    if dep in enabled:
        return None
    return "is disabled in this environment" if dep in specs else "does not exist"


def _tags_in(value: Any) -> list[ConfigTag]:
    if isinstance(value, ConfigTag):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tags_in(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tags_in(v)]
    return []


def _locate(path: PathKey, positions: dict[PathKey, Location]) -> Location | None:
    """The position of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        found = positions.get(path[:end])
        if found is not None:
            return found
    return None


def _pydantic_errors(
    exc: ValidationError,
    prefix: PathKey,
    positions: dict[PathKey, Location],
    model: type[BaseModel],
) -> list[ConfigError]:
    """One located ConfigError per field; union alternatives collapse into one message."""
    found: dict[PathKey, ConfigError] = {}
    for error in exc.errors(include_url=False):
        loc = _field_loc(error["loc"], model)
        inner = error.get("ctx", {}).get("error")
        loc = (*loc, *getattr(inner, "path", ()))
        full = (*prefix, *loc)
        if full in found and error["type"] == "is_instance_of":
            continue
        message, hint = _explain(error, loc, model)
        dotted = ".".join(str(p) for p in loc)
        text = f"{dotted}: {message}" if dotted else message
        at_key = error["type"] == "extra_forbidden" or getattr(inner, "at_key", False)
        where = positions.get((*full, KEY_MARK)) if at_key else None
        if full not in found or found[full].message.endswith("instance of ConfigTag"):
            found[full] = ConfigError(text, hint, location=where or _locate(full, positions))
    return list(found.values())


def _field_loc(loc: tuple[Any, ...], model: type[BaseModel]) -> PathKey:
    """Drop pydantic's union-branch labels (e.g. 'str', 'is-instance[...]') from a loc."""
    cleaned: list[str | int] = []
    current: Any = model
    for part in loc:
        nxt = _descend(current, part)
        if nxt is None and isinstance(part, str) and _is_branch_label(part):
            continue
        cleaned.append(part)
        current = nxt
    return tuple(cleaned)


def _descend(annotation: Any, part: str | int) -> Any:
    """The annotation found at `part` below `annotation` (model field, dict value, list item)."""
    import typing

    if annotation is None:
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        info = annotation.model_fields.get(part) if isinstance(part, str) else None
        return info.annotation if info is not None else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args and isinstance(part, int):
        return args[0]
    for arg in args:  # Union / Annotated: the first alternative that has `part`
        found = _descend(arg, part)
        if found is not None:
            return found
    return None


def _is_branch_label(part: str) -> bool:
    return part in {"str", "int", "float", "bool"} or part.startswith(
        ("is-instance[", "function-", "list[", "dict[", "tagged-union[", "json-or-python", "lax-")
    )


def _model_of(annotation: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _explain(error: dict[str, Any], loc: PathKey, model: type[BaseModel]) -> tuple[str, str]:
    kind = error["type"]
    msg = error["msg"].removeprefix("Value error, ")
    if isinstance(error.get("input"), ConfigTag):
        return (
            f"{error['input']} is only known at deploy time, but this value is needed to render",
            "give a literal value here; deploy-time tags fit ids, ARNs, names and endpoints",
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return (
            f"unknown key {loc[-1]!r}" if loc else "unknown key",
            "remove it or fix the spelling; allowed here: " + (", ".join(allowed) or "nothing"),
        )
    if kind == "missing":
        return "required key is missing", f"add `{loc[-1]}:` here" if loc else "add it"
    if kind == "is_instance_of":
        return (
            "a deploy-time value (!stack_output, !env, !ssm) is not accepted here",
            "give a literal value; only fields documented as deploy-time accept tags",
        )
    if kind in {"literal_error", "enum"}:
        return msg, "use one of the listed values"
    if kind.startswith(("ip_v4", "ip_any")):
        return msg, "write an IPv4 network such as 10.0.0.0/16 (host bits zero)"
    if kind == "value_error":
        return msg, "fix the value; see the blueprint's documentation in README.md"
    return msg, f"expected {error['type'].replace('_', ' ')}; got {error.get('input')!r}"


def _allowed_keys(model: type[BaseModel], loc: PathKey) -> list[str]:
    current: Any = model
    for part in loc:
        current = _descend(current, part)
    found = _model_of(current)
    return sorted(found.model_fields) if found else []


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)

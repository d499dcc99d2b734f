"""Load one environment: read, merge, validate every stack's vars, derive the DAG.

Every error of the run is collected and raised together as ConfigErrors, each pointing at
`file:line:col` with a one-line hint.
"""

from __future__ import annotations

import ipaddress
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
from infragen.facts.names import name_problem, stack_name_problem
from infragen.model import (
    BuildContext,
    EnvConfig,
    HookCommand,
    Placement,
    StackSpec,
    cfn_stack_name,
    is_production,
    merged_hooks,
    placement,
    role_account,
    stack_id,
    standard_tags,
)
from infragen.suggest import did_you_mean

DEFAULTS_FILE = "defaults.yaml"
BLUEPRINT_GROUP = "infragen.blueprints"  # the entry-point group blueprints register in


def _with_guess(guess: str, hint: str) -> str:
    return f"{guess} {hint}" if guess else hint


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
    # Both None for a stack `load_env` was told is unchanged (see UnchangedStacks), and
    # vars None while its errors are being collected.
    blueprint: BlueprintClass | None
    vars: BaseModel | None
    tags: dict[str, str]
    region: str
    termination_protection: bool
    dependencies: set[str]
    context: BuildContext  # what its blueprint is built with
    location: Location | None = None
    # Account, role and profile it is deployed with (all None: the caller's credentials).
    placement: Placement = field(default_factory=Placement)
    # Per event, the commands run around its deploy/delete (env < app < stack, by event).
    hooks: dict[str, list[HookCommand]] = field(default_factory=dict)
    # For an unchanged stack, the outputs its blueprint declared when its vars were last
    # validated (what `!stack_output` to it is checked against).
    recorded_outputs: frozenset[str] | None = None


# Given an env's stacks (blueprint not yet resolved, vars not yet validated): the ids of
# those whose every input (blueprint code, vars as written, context) is as when a render
# last validated and built them, each with the outputs it declared then. Validation depends
# on nothing else, so it cannot fail for them now: their vars are not validated and their
# blueprint not even imported. Cross-stack checks (outputs, depends_on, cycles) still run
# over all stacks.
UnchangedStacks = Callable[[dict[str, Stack]], dict[str, frozenset[str]]]

# Reads one config file (path, the name errors show): `load_yaml_file`, or render's reader
# that keeps the parse of an unchanged file.
ConfigReader = Callable[[Path, str], LoadedFile]


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
    if config_dir.exists() and not config_dir.is_dir():
        raise ConfigError(
            f"config directory {_display(config_dir)} is not a directory",
            "pass --config-dir a directory holding defaults.yaml and <env>.yaml files",
        )
    if not config_dir.is_dir():
        raise ConfigError(
            f"config directory {_display(config_dir)} not found",
            "run from the repository root or pass --config-dir",
        )
    return sorted(p.stem for p in config_dir.glob("*.yaml") if p.name != DEFAULTS_FILE)


def load_raw(config_dir: Path, env: str) -> tuple[dict[str, Any], dict[PathKey, Location]]:
    """defaults.yaml deep-merged with <env>.yaml, and where each value came from."""
    defaults, env_file = _load_files(config_dir, env)
    return merge_files(defaults, env_file)


def _load_files(
    config_dir: Path, env: str, read: ConfigReader = load_yaml_file
) -> tuple[LoadedFile, LoadedFile]:
    """defaults.yaml (empty when there is none) and <env>.yaml, each parsed and located."""
    known = list_envs(config_dir)
    if env not in known:
        raise ConfigError(
            f"unknown environment {env!r}",
            _with_guess(
                did_you_mean(env, known),
                f"environments are the files in {_display(config_dir)}: "
                f"{', '.join(known) or 'none'}",
            ),
        )
    problem = name_problem(env, "environment")
    if problem:
        raise ConfigError(
            problem,
            "rename the file: an environment's name is its file name, and it becomes part "
            "of every stack and resource name",
            location=Location(_display(config_dir / f"{env}.yaml"), 1, 1),
        )
    errors: list[ConfigError] = []
    loaded: list[LoadedFile] = []
    for path in (config_dir / DEFAULTS_FILE, config_dir / f"{env}.yaml"):
        if not path.exists() and path.name == DEFAULTS_FILE:
            loaded.append(LoadedFile(path, {}, {}))
            continue
        try:
            loaded.append(read(path, _display(path)))
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise ConfigErrors(errors)
    return loaded[0], loaded[1]


def load_env(
    config_dir: Path,
    env: str,
    resolve: BlueprintResolver,
    unchanged: UnchangedStacks | None = None,
    read: ConfigReader | None = None,
) -> Env:
    """Validate the whole environment; raise ConfigErrors listing every problem found.

    `resolve` finds a blueprint class by name (the registry's `get_blueprint`)
    and raises BlueprintError for one it cannot load. `unchanged` (render's record of
    what it built) names stacks whose vars need no validation: their `vars` and
    `blueprint` stay None. `read` parses each config file (default `load_yaml_file`).
    """
    defaults, env_file = _load_files(config_dir, env, read or load_yaml_file)
    data, positions = merge_files(defaults, env_file)
    try:
        config = EnvConfig.model_validate(data)
    except ValidationError as exc:
        errors = _pydantic_errors(exc, (), positions, EnvConfig)
        raise ConfigErrors(_stray_apps(errors, defaults, env_file, positions)) from None
    return _EnvBuilder(config_dir, env, config, positions, resolve, unchanged).build()


def _stray_apps(
    errors: list[ConfigError],
    defaults: LoadedFile,
    env_file: LoadedFile,
    positions: dict[PathKey, Location],
) -> list[ConfigError]:
    """An app only the env file names, whose stacks lack `blueprint:`, is most likely a
    misspelt app of defaults.yaml: say so once, instead of one "add `blueprint:`" per stack,
    which would lead to a second app."""
    shared = _apps_of(defaults)
    env_name = env_file.path.name
    out = list(errors)
    for app in sorted(set(_apps_of(env_file)) - set(shared)):
        where = positions.get(("apps", app, KEY_MARK))
        inside = [e for e in out if e.message.startswith(f"apps.{app}.")]
        if not any(e.message.endswith("blueprint: required key is missing") for e in inside):
            continue
        out = [e for e in out if e not in inside]
        guess = did_you_mean(app, shared)
        out.append(
            ConfigError(
                f"app {app!r} of {env_name} is not an app of {DEFAULTS_FILE}, so it is a new "
                "app here and each of its stacks needs `blueprint:`",
                _with_guess(
                    guess,
                    f"to change an app of {DEFAULTS_FILE}, write its name as there: "
                    + (", ".join(shared) or "it has none"),
                ),
                location=where,
            )
        )
    return out


def _apps_of(loaded: LoadedFile) -> list[str]:
    apps = loaded.data.get("apps")
    return [str(a) for a in apps] if isinstance(apps, dict) else []


class _EnvBuilder:
    def __init__(
        self,
        config_dir: Path,
        env: str,
        config: EnvConfig,
        positions: dict[PathKey, Location],
        resolve: BlueprintResolver,
        unchanged: UnchangedStacks | None = None,
    ) -> None:
        self.config_dir = config_dir
        self.unchanged = unchanged
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
        stacks = {sid: self._stack(sid, *specs[sid], specs, enabled) for sid in sorted(enabled)}
        recorded = self._unchanged(stacks)
        for sid, stack in list(stacks.items()):
            if sid in recorded:
                stack.recorded_outputs = recorded[sid]
            elif not self._validate(stack):
                del stacks[sid]  # its blueprint cannot be loaded: nothing to check it against
        for stack in stacks.values():
            self._check_outputs(stack, stacks)
        graph = self._graph(stacks)
        self._check_retired(stacks)
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
    ) -> Stack:
        """The stack as config says it, its blueprint not yet resolved nor its vars
        validated (`_validate`)."""
        base = self._base(app, name)
        too_long = stack_name_problem(self.config.project, self.env, app, name)
        if too_long:
            self.errors.append(
                ConfigError(
                    too_long,
                    "shorten the project, environment, app or stack name",
                    location=self._where(base),
                )
            )
        deps = self._dependencies(sid, base, spec, specs, enabled)
        context = self._context(app, name, spec)
        where = self._placement(app, name, spec)
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
            blueprint=None,
            vars=None,
            tags=context.tags,
            region=context.region,
            termination_protection=protection,
            dependencies=deps,
            location=self._where(base),
            context=context,
            placement=where,
            hooks=merged_hooks(self.config.hooks, self.config.apps[app].hooks, spec.hooks),
        )

    def _unchanged(self, stacks: dict[str, Stack]) -> dict[str, frozenset[str]]:
        """The stacks `unchanged` vouches for; none once an error is found (any doubt)."""
        if self.unchanged is None or self.errors:
            return {}
        return self.unchanged(stacks)

    def _validate(self, stack: Stack) -> bool:
        """Resolve the stack's blueprint and validate its vars; False when the blueprint
        cannot be loaded."""
        spec = stack.spec
        base = self._base(stack.app, stack.name)
        try:
            blueprint = self.resolve(spec.blueprint)
        except BlueprintError as exc:
            guess = did_you_mean(spec.blueprint, _blueprint_names())
            hint = _with_guess(guess, exc.hint) if exc.message.startswith("unknown") else exc.hint
            self.errors.append(
                ConfigError(exc.message, hint, location=self._where((*base, "blueprint")))
            )
            return False
        stack.blueprint = blueprint
        try:
            stack.vars = blueprint.Vars.model_validate(spec.vars, context={"build": stack.context})
        except ValidationError as exc:
            self.errors.extend(
                _pydantic_errors(
                    exc, (*base, "vars"), self.positions, blueprint.Vars, spec.blueprint
                )
            )
        return True

    def _placement(self, app: str, name: str, spec: StackSpec) -> Placement:
        """The stack's account and role, inherited stack > app > env; an account_id that
        disagrees with an inherited role_arn is reported where the account_id is set."""
        levels = [spec, self.config.apps[app], self.config]
        found = placement(levels, self.config.profile)
        if found.role_arn and found.account_id != role_account(found.role_arn):
            paths = [self._base(app, name), ("apps", app), ()]
            at = next(p for lv, p in zip(levels, paths, strict=True) if lv.account_id)
            self.errors.append(
                ConfigError(
                    f"{stack_id(app, name)}: account_id {found.account_id} differs from the "
                    f"account of the role_arn it inherits ({found.role_arn})",
                    "set role_arn (and external_id if needed) at the same level as this "
                    "account_id, to a role in that account",
                    location=self._where((*at, "account_id")),
                )
            )
        return found

    def _check_retired(self, stacks: dict[str, Stack]) -> None:
        """`retired:` names only places no stack of the env uses, each once: prune deletes
        what it finds there that config lacks, so a current place there would be a mistake."""
        retired = self.config.retired
        regions = {self.config.region, *(s.region for s in stacks.values())}
        accounts = {s.placement.account_id for s in stacks.values()} - {None}
        seen: set[str] = set()
        for index, region in enumerate(retired.regions):
            problem, hint = "", ""
            if region in regions:
                problem = f"retired region {region} is one the env deploys to"
                hint = (
                    f"remove it from retired.regions, or move the stacks out of {region} "
                    "(`region:` of the env or the stack) first"
                )
            elif region in seen:
                problem = f"retired region {region} is listed twice"
                hint = "list each region once"
            seen.add(region)
            if problem:
                where = self._where(("retired", "regions", index))
                self.errors.append(ConfigError(problem, hint, location=where))
        seen.clear()
        for index, entry in enumerate(retired.accounts):
            account = placement([entry], None).account_id
            assert account is not None  # RetiredAccount names one
            problem, hint = "", ""
            if account in accounts:
                using = sorted(s.id for s in stacks.values() if s.placement.account_id == account)
                problem = f"retired account {account} is one the env deploys to ({using[0]})"
                hint = f"remove it from retired.accounts, or move the stacks out of {account} first"
            elif account in seen:
                problem = f"retired account {account} is listed twice"
                hint = "list each account once"
            seen.add(account)
            if problem:
                key = "account_id" if entry.account_id else "role_arn"
                where = self._where(("retired", "accounts", index, key))
                self.errors.append(ConfigError(problem, hint, location=where))

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
                        _with_guess(
                            did_you_mean(dep, enabled),
                            "stack ids are 'app/stack'; run `infragen list --env "
                            f"{self.env}` to see them",
                        ),
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
                            _with_guess(
                                did_you_mean(dep, enabled),
                                f"run `infragen list --env {self.env}` to see the stacks",
                            ),
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
            if producer.spec.stackset is not None:
                self.errors.append(
                    ConfigError(
                        f"{tag}: stack {tag.stack} deploys as a StackSet, whose instances "
                        "give no outputs to read",
                        "pass the value another way (a name both stacks derive, an SSM "
                        "parameter the StackSet writes and `!ssm` reads), or deploy "
                        f"{tag.stack} as a plain stack (remove its `stackset:`)",
                        location=tag.location,
                    )
                )
                continue
            if producer.recorded_outputs is not None:
                declared = set(producer.recorded_outputs)
            elif producer.blueprint is None:
                continue  # not reached: every stack left is validated or recorded
            elif producer.vars is not None:
                declared = producer.blueprint.output_names(producer.vars)
            else:  # its vars failed: check against every output it can declare
                declared = set(getattr(producer.blueprint, "outputs", None) or ())
                if not declared or any(_matches_family(tag.output, d) for d in declared):
                    continue
            if tag.output not in declared:
                self.errors.append(
                    ConfigError(
                        f"{tag}: stack {tag.stack} ({producer.spec.blueprint}) has no output "
                        f"{tag.output!r}",
                        _with_guess(
                            did_you_mean(tag.output, declared),
                            "it declares: " + (", ".join(sorted(declared)) or "no outputs"),
                        ),
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


def _matches_family(name: str, declared: str) -> bool:
    """Whether `name` is one of a declared family such as `Listener{}Arn`."""
    if "{}" not in declared:
        return False
    head, _, tail = declared.partition("{}")
    return name.startswith(head) and name.endswith(tail) and len(name) > len(head) + len(tail)


def _blueprint_names() -> list[str]:
    """Every registered blueprint name, read from the entry points (no blueprint imported)."""
    from importlib.metadata import entry_points

    return sorted(ep.name for ep in entry_points(group=BLUEPRINT_GROUP))


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
    blueprint: str | None = None,
) -> list[ConfigError]:
    """One located ConfigError per field; union alternatives collapse into one message.

    `blueprint` names the blueprint whose Vars `model` is, for hints that point at
    `infragen blueprints NAME`.
    """
    found: dict[PathKey, ConfigError] = {}
    for error in _each_error(exc):
        loc = _field_loc(error["loc"], model)
        inner = error.get("ctx", {}).get("error")
        loc = (*loc, *getattr(inner, "path", ()))
        full = (*prefix, *loc)
        if full in found and error["type"] == "is_instance_of":
            continue
        message, hint = _explain(error, loc, model, blueprint)
        dotted = ".".join(str(p) for p in loc)
        text = f"{dotted}: {message}" if dotted else message
        at_key = error["type"] == "extra_forbidden" or getattr(inner, "at_key", False)
        where = positions.get((*full, KEY_MARK)) if at_key else None
        if full not in found or found[full].message.endswith("instance of ConfigTag"):
            found[full] = ConfigError(text, hint, location=where or _locate(full, positions))
    return list(found.values())


def _each_error(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors, with a validator's several findings (an error carrying `errors`,
    e.g. every overlapping subnet) as one error each, so a run reports them all."""
    expanded: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        inner = error.get("ctx", {}).get("error")
        for each in getattr(inner, "errors", None) or [inner]:
            msg = f"Value error, {each}" if each is not inner else error["msg"]
            expanded.append({**error, "msg": msg, "ctx": {**error.get("ctx", {}), "error": each}})
    return expanded


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


def _explain(
    error: dict[str, Any], loc: PathKey, model: type[BaseModel], blueprint: str | None = None
) -> tuple[str, str]:
    kind = error["type"]
    key_path = ".".join(str(p) for p in loc if not isinstance(p, int))
    describe = (
        f"`infragen blueprints {blueprint}` describes `{key_path}`"
        if blueprint and key_path
        else "README.md's Configuration section describes the keys"
    )
    msg = error["msg"].removeprefix("Value error, ")
    if isinstance(error.get("input"), ConfigTag):
        return (
            f"{error['input']} is only known at deploy time, but this value is needed to render",
            "give a literal value here; deploy-time tags fit ids, ARNs, names and endpoints",
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        guess = did_you_mean(str(loc[-1]), allowed) if loc else ""
        return (
            f"unknown key {loc[-1]!r}" if loc else "unknown key",
            _with_guess(
                guess,
                "remove it or fix the spelling; allowed here: " + (", ".join(allowed) or "nothing"),
            ),
        )
    if kind == "missing":
        return "required key is missing", f"add `{loc[-1]}:` here" if loc else "add it"
    if kind.startswith(("ip_v4", "ip_any")):
        return _explain_network(error, msg)
    if kind == "is_instance_of":
        return (
            "a deploy-time value (!stack_output, !env, !ssm) is not accepted here",
            "give a literal value; only fields documented as deploy-time accept tags",
        )
    if kind in {"literal_error", "enum"}:
        return msg, "use one of the listed values"
    if kind == "value_error":
        return msg, f"fix the value; {describe}"
    return (
        msg,
        f"expected {error['type'].replace('_', ' ')}, got {error.get('input')!r}; {describe}",
    )


def _explain_network(error: dict[str, Any], msg: str) -> tuple[str, str]:
    """`10.40.0.0/12` is refused for its host bits: say so, and which network it is in."""
    value = error.get("input")
    hint = "write an IPv4 network such as 10.0.0.0/16 (host bits zero)"
    if not isinstance(value, str):
        return msg, hint
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return msg, hint
    if str(network) == value:
        return msg, hint
    return (
        f"{value} has host bits set: a /{network.prefixlen} network starts at "
        f"{network.network_address}",
        f"write {network} (the /{network.prefixlen} network containing {value.split('/')[0]}), "
        "or a longer prefix for a smaller network",
    )


def _allowed_keys(model: type[BaseModel], loc: PathKey) -> list[str]:
    current: Any = model
    for part in loc:
        current = _descend(current, part)
    found = _model_of(current)
    return sorted(found.model_fields) if found else []


def _display(path: Path) -> str:
    """Relative to the working directory when inside it; else as given (not `../../..`)."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)

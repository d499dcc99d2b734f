"""The typed shape of a merged environment config. Stack naming lives here and only here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infragen.cost.usage import Usage
from infragen.facts.environments import is_production_name
from infragen.facts.names import NAME_PATTERN, name_problem

REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


ACCOUNT_PATTERN = r"^\d{12}$"
# Organizational unit or organization root, as CreateStackInstances' DeploymentTargets takes.
OU_PATTERN = r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$"
# A count (3) or a percentage ("25%") of the targets, as the OperationPreferences allow.
SHARE_PATTERN = r"^(100|[1-9]?\d)%$"


def _account_id(value: object) -> object:
    """An account id unquoted in YAML arrives as an int; one that lost a leading zero that
    way is refused by the length check with advice to quote it."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not re.match(ACCOUNT_PATTERN, value):
        raise ValueError(
            f"account id {value!r} is not 12 digits; quote it in YAML ('012345678901') so "
            "leading zeros are kept"
        )
    return value


AccountId = Annotated[str, BeforeValidator(_account_id)]
# An IAM role to assume: `arn:aws:iam::123456789012:role/path/name` (any partition).
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
# STS AssumeRole's ExternalId: 2 to 1224 characters of [\w+=,.@:/-].
EXTERNAL_ID_PATTERN = r"^[\w+=,.@:/-]+$"


def role_account(role_arn: str) -> str:
    """The account a role ARN lives in (its fifth field)."""
    return role_arn.split(":")[4]


class _Credentials(BaseModel):
    """Which account a stack is deployed to, and the role assumed there (env, app, stack).

    A level that sets `role_arn` sets `external_id` with it (an external id belongs to one
    role); `account_id` inherits on its own. `account_id` is what the account guard
    compares the caller's account with before any write.
    """

    model_config = ConfigDict(extra="forbid")

    account_id: AccountId | None = None
    role_arn: str | None = Field(default=None, pattern=ROLE_ARN_PATTERN)
    external_id: str | None = Field(
        default=None, pattern=EXTERNAL_ID_PATTERN, min_length=2, max_length=1224
    )

    # Field validators (not a model validator) so an error points at the key that is wrong;
    # fields validate in declaration order, so account_id and role_arn are known here.
    @field_validator("role_arn")
    @classmethod
    def _role_in_account(cls, role_arn: str | None, info: ValidationInfo) -> str | None:
        account = info.data.get("account_id")
        if account and role_arn and role_account(role_arn) != account:
            raise ValueError(
                f"the role is in account {role_account(role_arn)} but account_id is "
                f"{account}: assuming it would deploy to {role_account(role_arn)}"
            )
        return role_arn

    @field_validator("external_id")
    @classmethod
    def _with_role(cls, external_id: str | None, info: ValidationInfo) -> str | None:
        # A role_arn that failed its own check is absent from info.data: no second error.
        if external_id is not None and "role_arn" in info.data and not info.data["role_arn"]:
            raise ValueError(
                "external_id is given without role_arn: an external id is passed when "
                "assuming a role, so set role_arn beside it"
            )
        return external_id


class StackSetTargets(_Strict):
    """Where a StackSet's instances go: accounts (SELF_MANAGED) or organisational units
    (SERVICE_MANAGED, every account inside them)."""

    accounts: list[AccountId] = Field(default_factory=list)
    organizational_units: list[Annotated[str, Field(pattern=OU_PATTERN)]] = Field(
        default_factory=list
    )


class StackSetPreferences(_Strict):
    """How CloudFormation rolls an operation out (OperationPreferences)."""

    max_concurrent: int | Annotated[str, Field(pattern=SHARE_PATTERN)] | None = None
    failure_tolerance: int | Annotated[str, Field(pattern=SHARE_PATTERN)] | None = None
    region_order: list[Annotated[str, Field(pattern=REGION_PATTERN)]] = Field(default_factory=list)
    region_concurrency: Literal["SEQUENTIAL", "PARALLEL"] | None = None

    @field_validator("max_concurrent")
    @classmethod
    def _at_least_one(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be a count >= 1 or a percentage such as '25%'")
        return value

    @field_validator("failure_tolerance")
    @classmethod
    def _not_negative(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 0:
            raise ValueError("must be a count >= 0 or a percentage such as '10%'")
        return value


class StackSetSpec(_Strict):
    """`stackset:` of a stack: deploy its template as a StackSet with one instance per
    target account (or OU) and region, instead of as one stack."""

    targets: StackSetTargets
    regions: list[Annotated[str, Field(pattern=REGION_PATTERN)]] = Field(min_length=1)
    permission_model: Literal["SELF_MANAGED", "SERVICE_MANAGED"] = "SELF_MANAGED"
    # SELF_MANAGED only: the role the admin account uses (an ARN, as CreateStackSet takes it)
    # and the name of the one it assumes in each target account. Unset: AWS's defaults,
    # AWSCloudFormationStackSetAdministrationRole / AWSCloudFormationStackSetExecutionRole.
    administration_role_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
    )
    execution_role_name: str | None = Field(default=None, pattern=r"^[\w+=,.@-]{1,64}$")
    preferences: StackSetPreferences = Field(default_factory=StackSetPreferences)

    @model_validator(mode="after")
    def _targets_fit_permission_model(self) -> StackSetSpec:
        targets = self.targets
        if self.permission_model == "SERVICE_MANAGED":
            if targets.accounts or not targets.organizational_units:
                raise ValueError(
                    "a SERVICE_MANAGED StackSet targets organizational_units (not accounts): "
                    "list the OUs (ou-…) or the root (r-…)"
                )
            if self.administration_role_arn or self.execution_role_name:
                raise ValueError(
                    "administration_role_arn and execution_role_name are for SELF_MANAGED "
                    "StackSets; "
                    "SERVICE_MANAGED ones use the roles AWS Organizations creates"
                )
        elif targets.organizational_units or not targets.accounts:
            raise ValueError(
                "a SELF_MANAGED StackSet targets accounts (12 digits); organizational_units "
                "need permission_model: SERVICE_MANAGED"
            )
        unknown = [r for r in self.preferences.region_order if r not in self.regions]
        if unknown:
            raise ValueError(
                f"preferences.region_order names {', '.join(unknown)}, not in regions "
                f"({', '.join(self.regions)})"
            )
        return self


class ShellHook(_Strict):
    """`{shell: "..."}`: a hook run through /bin/sh, only when config asks for a shell."""

    shell: str = Field(min_length=1)


# An argv list runs without a shell: no quoting surprises, no injection through values.
HookCommand = list[str] | ShellHook

HOOK_EVENTS = ("before_deploy", "after_deploy", "before_delete", "after_delete")


class Hooks(_Strict):
    """Commands run around a stack's deploy or delete. An event left unset (None) is
    inherited from the app or env; `[]` turns the inherited hooks off."""

    before_deploy: list[HookCommand] | None = None
    after_deploy: list[HookCommand] | None = None
    before_delete: list[HookCommand] | None = None
    after_delete: list[HookCommand] | None = None

    @model_validator(mode="before")
    @classmethod
    def _command_shapes(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        normalised = dict(data)
        for event, commands in data.items():
            if event in HOOK_EVENTS and commands is not None:
                problem = _hook_list_problem(commands)
                if problem:
                    raise ValueError(f"{event}: {problem}")
                # YAML reads `[sleep, 1]` with an int: an argument is text all the same.
                normalised[event] = [
                    [str(arg) for arg in c] if isinstance(c, list) else c for c in commands
                ]
        return normalised


def _hook_list_problem(commands: Any) -> str:
    """Why `commands` is not a list of hook commands ('' when it is)."""
    shape = (
        "each hook is an argv list such as [python3, scripts/build.py] (no shell), or "
        '{shell: "make zip"} to run through a shell'
    )
    if not isinstance(commands, list):
        return f"expected a list of hooks, got {type(commands).__name__}; {shape}"
    for index, command in enumerate(commands):
        if isinstance(command, dict):
            if set(command) != {"shell"} or not isinstance(command["shell"], str):
                return f'hook {index}: a mapping must be exactly {{shell: "..."}}; {shape}'
        elif not isinstance(command, list) or not command:
            return f"hook {index}: got {type(command).__name__} {command!r}; {shape}"
        elif not all(
            isinstance(arg, str | int | float) and not isinstance(arg, bool) for arg in command
        ):
            return f"hook {index}: every argument must be a plain string; {shape}"
        elif not str(command[0]).strip():
            return f"hook {index}: the program (first item) is empty; {shape}"
    return ""


class StackSpec(_Credentials):
    """One stack as written under `apps.<app>.stacks.<name>`."""

    blueprint: str = Field(min_length=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    termination_protection: bool | None = None
    region: str | None = Field(default=None, pattern=REGION_PATTERN)
    enabled: bool = True
    stackset: StackSetSpec | None = None
    hooks: Hooks = Field(default_factory=Hooks)
    # Monthly usage the cost estimate assumes (`infragen cost`); never reaches a template.
    usage: Usage = Field(default_factory=Usage)


class AppSpec(_Credentials):
    tags: dict[str, str] = Field(default_factory=dict)
    hooks: Hooks = Field(default_factory=Hooks)
    stacks: dict[str, StackSpec] = Field(default_factory=dict)

    @field_validator("stacks")
    @classmethod
    def _stack_names(cls, stacks: dict[str, StackSpec]) -> dict[str, StackSpec]:
        for name in stacks:
            _check_name(name, "stack")
        return stacks


class RetiredAccount(_Credentials):
    """An account the env no longer deploys to (`retired.accounts`): how to reach it, as a
    stack's `account_id`/`role_arn`/`external_id` say it."""

    @model_validator(mode="after")
    def _names_an_account(self) -> RetiredAccount:
        if not self.account_id and not self.role_arn:
            raise ValueError(
                "name the account: account_id (the caller's credentials reach it) or "
                "role_arn (a role in it to assume)"
            )
        return self


class Retired(_Strict):
    """`retired:` of an env: regions and accounts it no longer deploys to, where prune
    still looks for the stacks it left (orphans are otherwise looked for only where the env
    deploys now)."""

    regions: list[Annotated[str, Field(pattern=REGION_PATTERN)]] = Field(default_factory=list)
    accounts: list[RetiredAccount] = Field(default_factory=list)


class EnvConfig(_Credentials):
    """defaults.yaml deep-merged with <env>.yaml."""

    project: str = Field(pattern=NAME_PATTERN)
    region: str = Field(pattern=REGION_PATTERN)
    production: bool | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    template_bucket: str | None = None
    # SNS topic ARN every alarm of this env notifies (`${AWS::AccountId}` etc. allowed).
    alarm_topic: str | None = Field(default=None, pattern=r"^arn:[^\s]+:sns:[^\s]+$")
    # The AWS profile deploy-time commands use unless --profile / AWS_PROFILE names one.
    profile: str | None = Field(default=None, min_length=1)
    hooks: Hooks = Field(default_factory=Hooks)
    # Production: minutes CloudFormation watches a stack's alarms (its rollback triggers)
    # after an update; unset: deploy's default. 180 is CloudFormation's maximum.
    rollback_monitoring_minutes: int | None = Field(default=None, ge=0, le=180)
    retired: Retired = Field(default_factory=Retired)
    apps: dict[str, AppSpec] = Field(default_factory=dict)

    @field_validator("apps")
    @classmethod
    def _app_names(cls, apps: dict[str, AppSpec]) -> dict[str, AppSpec]:
        for name in apps:
            _check_name(name, "app")
        return apps


def _check_name(name: str, what: str) -> None:
    problem = name_problem(name, what)
    if problem:
        raise ValueError(problem)


@dataclass(frozen=True)
class Placement:
    """Where one stack goes beyond its region: account, role to assume, profile. All None:
    the caller's own credentials, unchecked."""

    account_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None


def placement(levels: list[_Credentials], profile: str | None) -> Placement:
    """The most specific level (stack, app, env) that sets a field wins; `role_arn` brings
    its `external_id`. Without `account_id`, the role's account is the expected one."""
    account = next((lv.account_id for lv in levels if lv.account_id), None)
    role_level = next((lv for lv in levels if lv.role_arn), None)
    role = role_level.role_arn if role_level else None
    external = role_level.external_id if role_level else None
    if account is None and role is not None:
        account = role_account(role)
    return Placement(account, role, external, profile)


@dataclass(frozen=True)
class BuildContext:
    """What a blueprint may know about where it is deployed (all from config)."""

    project: str
    env: str
    app: str
    stack: str  # the stack's own name, without the app
    region: str
    production: bool
    tags: dict[str, str] = field(default_factory=dict)
    # The env's SNS topic (config `alarm_topic`): every alarm notifies it.
    alarm_topic: str | None = None

    @property
    def stack_id(self) -> str:
        return stack_id(self.app, self.stack)

    def name(self, *parts: str) -> str:
        """A physical name unique per project, env and app: `acme-prod-jobs-api-uploads`."""
        return "-".join((self.project, self.env, self.app, *parts))

    def physical_name(self, name: str | None = None) -> str:
        """The name of this stack's main resource: `name` if config gave one, else the stack's."""
        return self.name(name or self.stack)


def standard_tags(
    project: str, env: str, app: str, stack: str, extra: dict[str, str]
) -> dict[str, str]:
    """The tag set of one stack; config tags may add keys but not rename the standard four."""
    tags = {"Project": project, "Environment": env, "App": app, "Stack": stack}
    tags.update({k: v for k, v in extra.items() if k not in tags})
    return tags


def merged_hooks(*levels: Hooks) -> dict[str, list[HookCommand]]:
    """Env, app, stack hooks, least specific first: per event the most specific level that
    sets it wins (as a stack tag overrides an app tag); empty events are left out."""
    merged: dict[str, list[HookCommand]] = {}
    for event in HOOK_EVENTS:
        chosen: list[HookCommand] = []
        for level in levels:
            value = getattr(level, event)
            if value is not None:
                chosen = value
        if chosen:
            merged[event] = chosen
    return merged


def stack_id(app: str, name: str) -> str:
    return f"{app}/{name}"


def cfn_stack_name(project: str, env: str, stack: str) -> str:
    """`{project}-{env}-{app}-{name}`: the one place CloudFormation stack names are made."""
    app, _, name = stack.partition("/")
    return f"{project}-{env}-{app}-{name}"


def is_production(env_name: str, configured: bool | None) -> bool:
    """An explicit `production:` wins; else the name decides (`infragen.facts.environments`)."""
    return configured if configured is not None else is_production_name(env_name)

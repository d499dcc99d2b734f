"""The typed shape of a merged environment config. Stack naming lives here and only here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from infragen.cost.usage import Usage
from infragen.facts.environments import is_production_name
from infragen.facts.names import NAME_PATTERN, name_problem

REGION_PATTERN = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StackSpec(_Strict):
    """One stack as written under `apps.<app>.stacks.<name>`."""

    blueprint: str = Field(min_length=1)
    vars: dict[str, Any] = Field(default_factory=dict)
    depends_on: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)
    termination_protection: bool | None = None
    region: str | None = Field(default=None, pattern=REGION_PATTERN)
    enabled: bool = True
    # Monthly usage the cost estimate assumes (`infragen cost`); never reaches a template.
    usage: Usage = Field(default_factory=Usage)


class AppSpec(_Strict):
    tags: dict[str, str] = Field(default_factory=dict)
    stacks: dict[str, StackSpec] = Field(default_factory=dict)

    @field_validator("stacks")
    @classmethod
    def _stack_names(cls, stacks: dict[str, StackSpec]) -> dict[str, StackSpec]:
        for name in stacks:
            _check_name(name, "stack")
        return stacks


class EnvConfig(_Strict):
    """defaults.yaml deep-merged with <env>.yaml."""

    project: str = Field(pattern=NAME_PATTERN)
    region: str = Field(pattern=REGION_PATTERN)
    production: bool | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    template_bucket: str | None = None
    # SNS topic ARN every alarm of this env notifies (`${AWS::AccountId}` etc. allowed).
    alarm_topic: str | None = Field(default=None, pattern=r"^arn:[^\s]+:sns:[^\s]+$")
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


def stack_id(app: str, name: str) -> str:
    return f"{app}/{name}"


def cfn_stack_name(project: str, env: str, stack: str) -> str:
    """`{project}-{env}-{app}-{name}`: the one place CloudFormation stack names are made."""
    app, _, name = stack.partition("/")
    return f"{project}-{env}-{app}-{name}"


def is_production(env_name: str, configured: bool | None) -> bool:
    """An explicit `production:` wins; else the name decides (`infragen.facts.environments`)."""
    return configured if configured is not None else is_production_name(env_name)

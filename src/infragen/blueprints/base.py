"""Blueprint: a typed `Vars` model and a pure `build()` returning a troposphere Template.

Pure means: no AWS calls, no file or clock access, same vars -> byte-identical template.
Values only known at deploy time (`!stack_output`, `!env`, `!ssm`) arrive in `self.vars` as
`Ref`s to CloudFormation Parameters that this base class adds; the blueprint places them
like any other value and never needs to know where they come from.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    InstanceOf,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from troposphere import Output, Parameter, Ref, Sub, Template

from infragen.config.tags import ConfigTag, EnvTag, SsmTag
from infragen.errors import ConfigError
from infragen.facts.secrets import (
    FIX,
    looks_secret,
    named_secret,
    parameter_finding,
    secret_in_text,
)
from infragen.model import BuildContext


class VarError(ValueError):
    """A validation error that knows which nested var it is about, for file:line:col.

    `at_key` points the location at the key itself rather than its value (an unknown key).
    """

    def __init__(self, message: str, *path: str | int, at_key: bool = False) -> None:
        super().__init__(message)
        self.path = path
        self.at_key = at_key


class VarErrors(VarError):
    """Several findings of one validator, reported together (each located on its own)."""

    def __init__(self, errors: list[VarError]) -> None:
        super().__init__(str(errors[0]), *errors[0].path)
        self.errors = errors


class BlueprintVars(BaseModel):
    """Base of every blueprint's Vars: unknown keys are errors, not silently ignored.

    Config loading validates with the stack's BuildContext in pydantic's validation context,
    so a check that needs it (a physical name's length) is a located config error too:
    read it with `build_context(info)` in a validator that takes `info: ValidationInfo`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    # Groups of fields of which exactly one must be given (a bool counts when true): checked
    # here for every Vars, and shown by `infragen blueprints NAME` as "exactly one of a / b".
    exactly_one_of: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        for group in self.exactly_one_of:
            given = [name for name in group if getattr(self, name) not in (None, False)]
            if len(given) != 1:
                labels = [
                    f"{name}: true" if type(self).model_fields[name].annotation is bool else name
                    for name in group
                ]
                raise VarError(
                    f"give exactly one of {', '.join(labels[:-1])} or {labels[-1]}",
                    given[1] if len(given) > 1 else group[0],
                )
        return self

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate, then refuse (at its own key) a literal that rule E9702 would flag in the
        template: the same decision, infragen.facts.secrets. It runs after every validator, so
        a blueprint's own, more specific message about a field wins; the error names the key
        and never carries the value."""
        validated = super().model_validate(obj, *args, **kwargs)
        for field in type(validated).model_fields:
            found = _literal_secret(field, getattr(validated, field), (field,))
            if found is not None:
                path, reason = found
                error = VarError(f"{reason}; {FIX}, or `!env NAME` (a NoEcho parameter)")
                raise ValidationError.from_exception_data(
                    cls.__name__,
                    [{"type": "value_error", "loc": path, "input": "***", "ctx": {"error": error}}],
                )
        return validated


def _literal_secret(
    name: str, value: Any, path: tuple[str | int, ...]
) -> tuple[tuple[str | int, ...], str] | None:
    """(path below the field, why) of the first literal secret in a var's value, or None."""
    if isinstance(value, str):
        reason = named_secret(name, value) or secret_in_text(value)
        return (path, reason) if reason is not None else None
    items: Iterable[tuple[str | int, Any]]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    elif isinstance(value, BaseModel):
        items = ((field, getattr(value, field)) for field in type(value).model_fields)
    else:
        return None
    for key, item in items:
        child = key if isinstance(key, str) else name
        found = _literal_secret(child, item, (*path, key))
        if found is not None:
            return found
    return None


def build_context(info: ValidationInfo) -> BuildContext | None:
    """The stack's BuildContext during config validation (None when validated alone)."""
    context = info.context
    return context.get("build") if isinstance(context, dict) else None


@dataclass(frozen=True)
class Param:
    """Field marker: a deploy-time value given to this field becomes a Parameter of this type."""

    cfn_type: str = "String"
    no_echo: bool = False
    # Checked by CloudFormation before any change, for values known only at deploy time.
    allowed_pattern: str | None = None
    constraint_description: str = ""


# A field that accepts either a literal or a deploy-time tag.
DeployTagValue = InstanceOf[ConfigTag]
DeployStr = Annotated[str | DeployTagValue, Param()]
VpcIdValue = Annotated[str | DeployTagValue, Param("AWS::EC2::VPC::Id")]
SubnetIdsValue = Annotated[list[str] | DeployTagValue, Param("List<AWS::EC2::Subnet::Id>")]
SecurityGroupIdValue = Annotated[str | DeployTagValue, Param("AWS::EC2::SecurityGroup::Id")]
SecretStr = Annotated[str | DeployTagValue, Param(no_echo=True)]


@dataclass(frozen=True)
class DeployParameter:
    """A Parameter the blueprint base added for a deploy-time config tag."""

    logical_id: str
    cfn_type: str
    no_echo: bool
    tag: ConfigTag


@dataclass(frozen=True)
class OutputSpec:
    """An output a blueprint declares once: its description and when it exists.

    `when` (vars -> bool) makes the output conditional, e.g. only when `vpc` is set. A name
    with `{}` declares a family (`Listener{}Arn`); `each` (vars -> values) fills the braces,
    and the description may use `{}` too.
    """

    description: str
    when: Callable[[Any], bool] | None = None
    each: Callable[[Any], Iterable[Any]] | None = None

    def names(self, key: str, vars: Any) -> dict[str, str]:
        """Output name -> description, for these vars."""
        if self.when is not None and not self.when(vars):
            return {}
        if self.each is None:
            return {key: self.description}
        return {key.format(v): self.description.format(v) for v in self.each(vars)}


class BlueprintBugError(ValueError):
    """A blueprint broke its own contract (e.g. an undeclared output); not the user's fault."""


class Blueprint:
    """Subclass with a nested `Vars` model, an `outputs` table and a `build()` method.

    The blueprint's name is the one it is registered under (the `infragen.blueprints`
    entry-point group); a class does not name itself.
    """

    description: ClassVar[str] = ""
    Vars: ClassVar[type[BlueprintVars]] = BlueprintVars
    # Output name -> description or OutputSpec. Add each with `self.output(name, value)`;
    # `!stack_output` to a name these vars do not declare fails at validation time.
    outputs: ClassVar[dict[str, str | OutputSpec]] = {}

    def __init__(self, vars: BlueprintVars, context: BuildContext) -> None:
        self.context = context
        self.template = Template()
        self.parameters: list[DeployParameter] = []
        self._declared = self.declared_outputs(vars)
        self.vars = self._bind_parameters(vars)

    @classmethod
    def declared_outputs(cls, vars: BlueprintVars) -> dict[str, str]:
        """Output name -> description for these vars, derived from `outputs`."""
        found: dict[str, str] = {}
        for key, spec in cls.outputs.items():
            spec = OutputSpec(spec) if isinstance(spec, str) else spec
            found.update(spec.names(key, vars))
        return found

    @classmethod
    def output_names(cls, vars: BlueprintVars) -> set[str]:
        """Outputs this blueprint declares for these vars."""
        return set(cls.declared_outputs(vars))

    def output(self, name: str, value: Any) -> Output:
        """Add the declared output `name`; its description comes from the declaration."""
        if name not in self._declared:
            raise BlueprintBugError(
                f"output {name!r} is not declared for these vars; declared: "
                + (", ".join(sorted(self._declared)) or "none")
            )
        return self.template.add_output(Output(name, Value=value, Description=self._declared[name]))

    def add_alarms(
        self,
        specs: Any,
        settings: Any,
        *,
        namespace: str,
        dimensions: dict[str, Any],
        subject: str | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """Table-driven alarms (helpers/alarm.py) that also notify the env's `alarm_topic`."""
        from infragen.blueprints.helpers.alarm import add_alarms

        topic = self.context.alarm_topic
        return add_alarms(
            self.template,
            specs,
            settings,
            subject=subject or self.context.stack_id,
            namespace=namespace,
            dimensions=dimensions,
            topic=Sub(topic) if topic and "${" in topic else topic,
            **kwargs,
        )

    def build(self) -> Template:
        raise NotImplementedError

    def _bind_parameters(self, vars: BlueprintVars) -> Any:
        """Replace every deploy-time tag in vars by a Ref to a new Parameter."""
        return self._replace(vars, (), None)

    def _replace(self, value: Any, path: tuple[str, ...], marker: Param | None) -> Any:
        if isinstance(value, ConfigTag):
            return self._parameter_for(value, path, marker or Param())
        if isinstance(value, BaseModel):
            updates = {}
            for field_name, info in type(value).model_fields.items():
                current = getattr(value, field_name)
                field_marker = next((m for m in info.metadata if isinstance(m, Param)), None)
                field_marker = field_marker or _nested_marker(info.annotation)
                new = self._replace(current, (*path, field_name), field_marker)
                if new is not current:
                    updates[field_name] = new
            return value.model_copy(update=updates) if updates else value
        if isinstance(value, list):
            items = [self._replace(item, (*path, str(i)), marker) for i, item in enumerate(value)]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if isinstance(value, dict):
            items = {k: self._replace(v, (*path, str(k)), marker) for k, v in value.items()}
            return items if any(items[k] is not value[k] for k in value) else value
        return value

    def _parameter_for(self, tag: ConfigTag, path: tuple[str, ...], marker: Param) -> Ref:
        logical_id = _unique(_camel(path), {p.logical_id for p in self.parameters})
        cfn_type = marker.cfn_type
        kwargs: dict[str, Any] = {"Type": cfn_type, "Description": f"{tag} (set by infragen)"}
        if isinstance(tag, SsmTag):
            # CloudFormation reads SSM parameters itself; infragen passes nothing at deploy.
            inner = "List<String>" if cfn_type.startswith("List<") else cfn_type
            kwargs["Type"] = cfn_type = f"AWS::SSM::Parameter::Value<{inner}>"
            kwargs["Default"] = tag.path
        if marker.allowed_pattern is not None and not isinstance(tag, SsmTag):
            kwargs["AllowedPattern"] = marker.allowed_pattern
            kwargs["ConstraintDescription"] = marker.constraint_description
        if marker.no_echo or _looks_secret(path, logical_id) or _secret_source(tag):
            kwargs["NoEcho"] = True
            if isinstance(tag, EnvTag) and tag.default is not None:
                # The default would be committed in clear in manifest.json (deploy reads it
                # there). The message names the variable, never the value.
                raise ConfigError(
                    f"{tag}: a default on a secret (Parameter {logical_id} is NoEcho) would be "
                    "written in clear to manifest.json",
                    f"write `{tag}` without `:default` and set {tag.name} in the deploy "
                    "environment, or use `!secret secretsmanager:name[:key]`",
                    location=tag.location,
                )
        # Never render what infragen's lint rejects (E9701/E9702 ask the same predicate). With
        # one secret-name decision this only refuses what NoEcho cannot hide: a secret-looking
        # field filled by `!ssm`, whose plain String parameter CloudFormation reads in clear.
        finding = parameter_finding(logical_id, kwargs)
        if finding is not None:
            raise ConfigError(
                f"{tag}: {finding.message} ({finding.rule})",
                "pass secrets as `!env NAME` (a NoEcho parameter) or `!secret "
                "secretsmanager:name[:key]` (a dynamic reference)",
                location=tag.location,
            )
        self.template.add_parameter(Parameter(logical_id, **kwargs))
        self.parameters.append(
            DeployParameter(logical_id, cfn_type, bool(kwargs.get("NoEcho")), tag)
        )
        return Ref(logical_id)


def _nested_marker(annotation: Any) -> Param | None:
    """The Param of a deploy-time type nested in `dict[str, SecretStr]`, `X | None`, lists.

    pydantic lifts the metadata of a top-level Annotated into `FieldInfo.metadata` only;
    without this a `dict[str, SecretStr]` value would become a parameter without NoEcho.
    """
    for arg in typing.get_args(annotation):
        if isinstance(arg, Param):
            return arg
        found = _nested_marker(arg)
        if found is not None:
            return found
    return None


def _looks_secret(path: tuple[str, ...], logical_id: str) -> bool:
    """The field's own name or the Parameter's (which rule E9701 reads) looks secret."""
    return (bool(path) and looks_secret(path[-1])) or looks_secret(logical_id)


def _secret_source(tag: ConfigTag) -> bool:
    """`!env DB_PASSWORD` is secret whatever field it fills."""
    return isinstance(tag, EnvTag) and looks_secret(tag.name)


def _camel(path: tuple[str, ...]) -> str:
    """`("environment", "DB_HOST")` -> `EnvironmentDbHost`: word boundaries survive."""
    words = [w for part in path for w in re.split(r"[^A-Za-z0-9]+", part) if w]
    name = "".join((w.capitalize() if w.isupper() else w[0].upper() + w[1:]) for w in words)
    name = name or "Param"
    return name if name[0].isalpha() else f"P{name}"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}{n}" in taken:
        n += 1
    return f"{name}{n}"

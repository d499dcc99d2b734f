"""E9704: no secret's value in a function's, task's or service's plain environment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.secrets import DYNAMIC_SECRET_PREFIXES
from infragen.lint._shared import PathT, is_true

_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def _environment_values(name: str, resource: dict[str, Any]) -> Iterator[tuple[PathT, Any]]:
    """(path, value) of each plain environment variable of a Lambda function, ECS container or
    App Runner service."""
    props = resource.get("Properties")
    if not isinstance(props, dict):
        return
    base: PathT = ["Resources", name, "Properties"]
    kind = resource.get("Type")
    if kind == "AWS::Lambda::Function":
        variables = (props.get("Environment") or {}).get("Variables")
        if isinstance(variables, dict):
            for key, value in variables.items():
                yield [*base, "Environment", "Variables", key], value
    elif kind == "AWS::ECS::TaskDefinition":
        for i, container in enumerate(_list(props.get("ContainerDefinitions"))):
            if isinstance(container, dict):
                for j, pair in enumerate(_list(container.get("Environment"))):
                    if isinstance(pair, dict) and "Value" in pair:
                        path = [*base, "ContainerDefinitions", i, "Environment", j, "Value"]
                        yield path, pair["Value"]
    elif kind == "AWS::AppRunner::Service":
        source = props.get("SourceConfiguration")
        if not isinstance(source, dict):
            return
        places: list[tuple[PathT, Any]] = [
            (
                ["ImageRepository", "ImageConfiguration"],
                (source.get("ImageRepository") or {}).get("ImageConfiguration"),
            ),
            (
                ["CodeRepository", "CodeConfiguration", "CodeConfigurationValues"],
                ((source.get("CodeRepository") or {}).get("CodeConfiguration") or {}).get(
                    "CodeConfigurationValues"
                ),
            ),
        ]
        for parts, config in places:
            if isinstance(config, dict):
                for j, pair in enumerate(_list(config.get("RuntimeEnvironmentVariables"))):
                    if isinstance(pair, dict) and "Value" in pair:
                        path = [*base, "SourceConfiguration", *parts]
                        yield [*path, "RuntimeEnvironmentVariables", j, "Value"], pair["Value"]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _secret_source(value: Any, no_echo: set[str]) -> str | None:
    """What puts a secret into this value: a dynamic reference or a NoEcho parameter."""
    if isinstance(value, str):
        if any(prefix in value for prefix in DYNAMIC_SECRET_PREFIXES):
            return "a Secrets Manager / SSM SecureString dynamic reference"
        return None
    if isinstance(value, dict):
        if value.get("Ref") in no_echo:
            return f"the NoEcho parameter {value['Ref']}"
        sub = value.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            for variable in _SUB_VARIABLE.findall(text):
                if variable in no_echo:
                    return f"the NoEcho parameter {variable}"
        for item in value.values():
            found = _secret_source(item, no_echo)
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _secret_source(item, no_echo)
            if found:
                return found
    return None


class SecretsNotInConfiguration(CloudFormationLintRule):
    id = "E9704"
    shortdesc = "No secret values in plain environment variables"
    description = (
        "A Lambda function's environment variables, an ECS container's Environment and an App "
        "Runner service's RuntimeEnvironmentVariables are shown in clear by "
        "GetFunctionConfiguration / DescribeTaskDefinition / DescribeService. Flags values "
        "filled from a NoEcho parameter or a {{resolve:secretsmanager|ssm-secure:...}} dynamic "
        "reference: pass the secret's ARN and read it at run time (Lambda), or use ECS "
        "Secrets / App Runner RuntimeEnvironmentSecrets."
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-encryption"
    tags = ["infragen", "security", "secrets"]

    def match(self, cfn):
        parameters = cfn.template.get("Parameters")
        no_echo = {
            name
            for name, parameter in (parameters if isinstance(parameters, dict) else {}).items()
            if isinstance(parameter, dict) and is_true(parameter.get("NoEcho"))
        }
        resources = cfn.template.get("Resources")
        matches = []
        for name, resource in (resources if isinstance(resources, dict) else {}).items():
            if not isinstance(resource, dict):
                continue
            for path, value in _environment_values(name, resource):
                source = _secret_source(value, no_echo)
                if source is not None:
                    matches.append(
                        RuleMatch(
                            path,
                            f"{name}: {path[-1] if path[-1] != 'Value' else 'a variable'} "
                            f"takes its value from {source}, which the service's "
                            "configuration shows in clear; pass the secret's ARN (Lambda) or "
                            "use Secrets / RuntimeEnvironmentSecrets (ECS, App Runner)",
                        )
                    )
        return matches

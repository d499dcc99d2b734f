"""Deploy-time values meet the policy literal config values meet, before any stack is written.

A CIDR given as `!env ADMIN_CIDR` is only known when deploy runs. Its Parameter carries the
AllowedPattern of facts.network (no range broader than /8), which CloudFormation checks, but
only when that stack's turn comes, after earlier stacks were already changed. Here every
`!env` value is checked against its Parameter's AllowedPattern up front, and the CIDRs a stack
receives (deploy-time and literal ingress ranges together) must not add up to the internet
(`0.0.0.0/1` + `128.0.0.0/1`), which no pattern can see. `!stack_output` values come from
infragen's own stacks and are checked by CloudFormation when they are known.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from infragen.cfn_template import Template
from infragen.deploy.manifest import Manifest, ManifestStack
from infragen.errors import EXIT_USAGE, InfragenError
from infragen.facts.network import PRIVATE_CIDR_PATTERN, public_ranges

INGRESS_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress")


class DeployTimeValueError(InfragenError):
    """A deploy-time value breaks the policy its field has in config."""

    exit_code = EXIT_USAGE


def check_deploy_time_values(
    manifest: Manifest, stack_ids: list[str], environ: Mapping[str, str]
) -> None:
    """Refuse, before any write, `!env` values that their field's policy forbids."""
    problems = [p for sid in stack_ids for p in _stack_problems(manifest.stacks[sid], environ)]
    if problems:
        raise DeployTimeValueError(
            "deploy-time values refused before any change: " + "; ".join(problems),
            "set the environment variables to values the field allows (a CIDR no broader "
            "than /8, not adding up to the internet with the stack's other ranges)",
        )


def _stack_problems(stack: ManifestStack, environ: Mapping[str, str]) -> list[str]:
    values = {
        param: value
        for param, spec in stack.parameters.items()
        if (value := _env_value(spec.get("source", {}), environ)) is not None
    }
    if not values:
        return []
    template = Template.read(stack.template)
    declared = template.parameters
    problems: list[str] = []
    cidrs: list[str] = []
    for param, value in sorted(values.items()):
        spec = declared.get(param) or {}
        pattern = spec.get("AllowedPattern")
        if pattern is None:
            continue
        name = stack.parameters[param]["source"]["name"]
        if not re.fullmatch(pattern, value):
            why = spec.get("ConstraintDescription") or f"does not match {pattern}"
            problems.append(f"{stack.id}: {param} from ${name} is {value!r}: {why}")
        elif pattern == PRIVATE_CIDR_PATTERN:
            cidrs.append(value)
    if cidrs:
        together = public_ranges([*cidrs, *_literal_ingress_cidrs(template)])
        if together:
            problems.append(
                f"{stack.id}: its ingress ranges, deploy-time ones included, together cover "
                f"{', '.join(together)}: that is the internet"
            )
    return problems


def _env_value(source: Mapping[str, Any], environ: Mapping[str, str]) -> str | None:
    if source.get("kind") != "env":
        return None
    value = environ.get(source["name"], source.get("default"))
    return value if isinstance(value, str) else None


def _literal_ingress_cidrs(template: Template) -> list[str]:
    found: list[str] = []
    for resource in template.resources.values():
        if resource.get("Type") not in INGRESS_TYPES:
            continue
        properties = resource.get("Properties") or {}
        rules = properties.get("SecurityGroupIngress") or [properties]
        found.extend(
            rule["CidrIp"]
            for rule in rules
            if isinstance(rule, dict) and isinstance(rule.get("CidrIp"), str)
        )
    return found

"""A Cloud Map private DNS namespace: `<service>.<namespace>` names that resolve inside one VPC.

Services register in it from their own stacks (ecs-fargate-service `service_discovery`, with
`namespace_id: !stack_output <app>/<this stack>::NamespaceId`), so callers reach each other by
DNS without a load balancer in between (seed 004's `{service}.{project}.local`). Cloud Map
creates and owns the Route 53 private hosted zone of the same name.
https://docs.aws.amazon.com/cloud-map/latest/dg/working-with-namespaces.html
"""

from __future__ import annotations

import re

from pydantic import Field, ValidationInfo, field_validator
from troposphere import GetAtt
from troposphere import servicediscovery as sd

from infragen.blueprints.base import Blueprint, BlueprintVars, VpcIdValue, build_context
from infragen.blueprints.helpers.policy import fill_placeholders

# Lower-case DNS labels; `{project}`, `{env}` and `{app}` stand for this stack's values.
LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = frozenset({"project", "env", "app"})
MAX_NAME = 253


def namespace_problem(name: str) -> str | None:
    """Why `name` (placeholders filled) is not a DNS name Cloud Map takes, or None."""
    if len(name) > MAX_NAME:
        return f"{name!r} is longer than {MAX_NAME} characters"
    labels = name.split(".")
    if len(labels) < 2:
        return f"{name!r} needs at least two labels, e.g. tsdevstack.local"
    for label in labels:
        if not LABEL_RE.match(label):
            return (
                f"{name!r}: label {label!r} is not a DNS label (lower-case letters, digits and "
                "inner hyphens, 1-63 characters)"
            )
    return None


class ServiceDiscoveryNamespaceVars(BlueprintVars):
    # `{project}`, `{env}`, `{app}` are filled in; the default is seed 004's `{project}.local`
    # with infragen's app as the seed's project (`tsdevstack.local`).
    name: str = "{app}.local"
    vpc_id: VpcIdValue
    description: str = Field(default="", max_length=1024)

    @field_validator("name")
    @classmethod
    def _dns_name(cls, value: str, info: ValidationInfo) -> str:
        unknown = sorted(set(PLACEHOLDER_RE.findall(value)) - PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{unknown[0]}}}; use {{project}}, {{env}} or {{app}}"
            )
        context = build_context(info)
        # Validated alone (no stack yet): a short stand-in for each placeholder.
        filled = fill_placeholders(value, context) if context else PLACEHOLDER_RE.sub("x", value)
        problem = namespace_problem(filled)
        if problem:
            raise ValueError(problem)
        return value


class ServiceDiscoveryNamespace(Blueprint):
    description = "Cloud Map private DNS namespace in a VPC (service discovery by DNS)"
    Vars = ServiceDiscoveryNamespaceVars
    outputs = {
        "NamespaceId": "Id of the namespace (ecs-fargate-service `service_discovery.namespace_id`)",
        "NamespaceArn": "ARN of the namespace",
        "NamespaceName": "DNS name of the namespace; services resolve as <service>.<name>",
    }
    vars: ServiceDiscoveryNamespaceVars

    def build(self):
        v = self.vars
        t = self.template
        name = fill_placeholders(v.name, self.context)
        t.set_description(f"{self.context.stack_id}: Cloud Map private DNS namespace {name}")
        namespace = t.add_resource(
            sd.PrivateDnsNamespace(
                "Namespace",
                Name=name,
                Vpc=v.vpc_id,
                Description=v.description or f"{self.context.stack_id}: services of {name}",
            )
        )
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-servicediscovery-privatednsnamespace.html#aws-resource-servicediscovery-privatednsnamespace-return-values
        self.output("NamespaceId", GetAtt(namespace, "Id"))
        self.output("NamespaceArn", GetAtt(namespace, "Arn"))
        self.output("NamespaceName", name)
        return t

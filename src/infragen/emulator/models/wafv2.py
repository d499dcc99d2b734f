"""AWS WAF (v2), in infragen's store: web ACLs with the ids and ARN the waf-web-acl
blueprint wires to distributions and load balancers; no request is inspected.

moto 5.2.5 has a WAFv2 backend but no CloudFormation models for it.
"""

from __future__ import annotations

import uuid
from typing import Any

from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import HEX, EmulatedResource

# Rough WCUs of AWS managed rule groups; anything else counts one per statement.
MANAGED_CAPACITY = 700


def capacity(statement: Any) -> int:
    """Web ACL capacity units a statement uses, roughly as WAF counts them."""
    if not isinstance(statement, dict):
        return 0
    if "ManagedRuleGroupStatement" in statement or "RuleGroupReferenceStatement" in statement:
        return MANAGED_CAPACITY
    total = 0
    for key, value in statement.items():
        if key in ("AndStatement", "OrStatement"):
            total += sum(capacity(s) for s in value.get("Statements", []))
        elif key == "NotStatement":
            total += capacity(value.get("Statement"))
        elif key == "RateBasedStatement":
            total += 2 + capacity(value.get("ScopeDownStatement"))
        elif key.endswith("Statement"):
            total += 1
    return total


class WebACL(EmulatedResource, CloudFormationModel):
    """AWS::WAFv2::WebACL (REGIONAL or CLOUDFRONT): Ref is `<name>|<id>|<scope>`; Id a
    UUID, Arn `…:regional|global/webacl/<name>/<id>` (CLOUDFRONT always in us-east-1, as
    AWS requires), Capacity an estimate of the rules' WCUs, LabelNamespace
    `awswaf:<account>:webacl:<name>:`. Rules and actions update in place."""

    TYPE = "AWS::WAFv2::WebACL"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = frozenset({"Arn", "Capacity", "Id", "LabelNamespace"})
    CREATE_ONLY = ("Name", "Scope")

    def on_create(self) -> None:
        self.acl_id = str(uuid.UUID(self.token(32, HEX)))
        cloudfront = self.prop("Scope") == "CLOUDFRONT"
        scope = "global" if cloudfront else "regional"
        region = "us-east-1" if cloudfront else self.region_name
        self.acl_arn = self.arn("wafv2", f"{scope}/webacl/{self.name}/{self.acl_id}", region)

    def ref(self) -> str:
        return f"{self.name}|{self.acl_id}|{self.prop('Scope')}"

    def attributes(self) -> dict[str, Any]:
        rules = self.prop("Rules", [])
        return {
            "Arn": self.acl_arn,
            "Id": self.acl_id,
            "Capacity": str(sum(capacity(r.get("Statement")) for r in rules)),
            "LabelNamespace": f"awswaf:{self.account_id}:webacl:{self.name}:",
        }


class LoggingConfiguration(EmulatedResource, CloudFormationModel):
    """AWS::WAFv2::LoggingConfiguration: Ref is the web ACL's ARN (ResourceArn);
    ManagedByFirewallManager is false. Destinations and redactions update in place."""

    TYPE = "AWS::WAFv2::LoggingConfiguration"
    ATTRIBUTES = frozenset({"ManagedByFirewallManager"})
    CREATE_ONLY = ("ResourceArn",)

    def ref(self) -> str:
        return str(self.prop("ResourceArn"))

    def attributes(self) -> dict[str, Any]:
        return {"ManagedByFirewallManager": "false"}


class WebACLAssociation(EmulatedResource, CloudFormationModel):
    """AWS::WAFv2::WebACLAssociation: Ref is `<ResourceArn>|<WebACLArn>` (its identifier);
    both properties are create-only."""

    TYPE = "AWS::WAFv2::WebACLAssociation"
    CREATE_ONLY = ("ResourceArn", "WebACLArn")

    def ref(self) -> str:
        return f"{self.prop('ResourceArn')}|{self.prop('WebACLArn')}"

"""W9703: database master passwords do not pass through the deploying process."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_dynamic_secret, is_set

DATABASE_TYPES = ["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"]


class RdsManagedMasterPassword(CloudFormationLintRule):
    id = "W9703"
    shortdesc = "RDS master passwords are managed by RDS or resolved by CloudFormation"
    description = (
        "An AWS::RDS::DBInstance or DBCluster that sets MasterUserPassword takes it from a "
        "Secrets Manager / SSM SecureString dynamic reference ({{resolve:secretsmanager:...}}, "
        "also inside Fn::Sub or at the start of Fn::Join), which CloudFormation resolves itself. "
        "A parameter (NoEcho or not), a literal or any other value means whoever deploys holds "
        "the password: prefer ManageMasterUserPassword: true, which keeps it in Secrets Manager."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html"
    tags = ["infragen", "security", "secrets", "rds"]

    def match(self, cfn):
        parameters = cfn.template.get("Parameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        matches = []
        for name, resource in cfn.get_resources(DATABASE_TYPES).items():
            properties = resource.get("Properties") or {}
            value = properties.get("MasterUserPassword")
            if not is_set(value):
                continue
            problem = _problem(value, parameters)
            if problem is None:
                continue
            matches.append(
                RuleMatch(
                    ["Resources", name, "Properties", "MasterUserPassword"],
                    f"{name}: MasterUserPassword {problem}, so it passes through whoever "
                    "deploys; set ManageMasterUserPassword: true (RDS keeps it in Secrets "
                    "Manager) or use a {{resolve:secretsmanager:...}} dynamic reference",
                )
            )
        return matches


def _problem(value: Any, parameters: dict[str, Any]) -> str | None:
    """Why this value is handled by the deployer, or None when CloudFormation resolves it."""
    if isinstance(value, str):
        return None if is_dynamic_secret(value) else "is a literal"
    if not isinstance(value, dict) or len(value) != 1:
        return "is not a dynamic reference"
    ((function, argument),) = value.items()
    if function == "Ref":
        if argument in parameters:
            return f"comes from parameter {argument}"
        return f"is Ref {argument}"
    if function == "Fn::Sub":
        text = argument[0] if isinstance(argument, list) and argument else argument
        if isinstance(text, str) and is_dynamic_secret(text):
            return None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        parts = argument[1]
        first = parts[0] if isinstance(parts, list) and parts else None
        if isinstance(first, str) and is_dynamic_secret(first):
            return None
    if function == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
        found = [_problem(b, parameters) for b in argument[1:] if is_set(b)]
        return next((p for p in found if p is not None), None)
    return f"is computed with {function}, not a dynamic reference"

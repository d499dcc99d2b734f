"""E9702: no secret value is written into a template."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.secrets import FIX, default_finding, looks_like_password, looks_secret
from infragen.lint._shared import is_dynamic_secret, looks_like_reference, shannon_entropy, walk

ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+ )?PRIVATE KEY( BLOCK)?-----")
ENTROPY_THRESHOLD = 3.5
MIN_SECRET_LENGTH = 16


def _is_secret_literal(name: str, value: str) -> bool:
    """A literal bound to a secret-like name: any for passwords, high-entropy for the rest."""
    if not value.strip() or is_dynamic_secret(value) or not looks_secret(name):
        return False
    if looks_like_password(name):
        return True
    if looks_like_reference(value):
        return False
    return len(value) >= MIN_SECRET_LENGTH and shannon_entropy(value) >= ENTROPY_THRESHOLD


def _owner(path: list) -> str:
    return ".".join(str(part) for part in path[:2])


def _named_value(node: dict[str, Any]) -> tuple[str, Any] | None:
    """`{Name: DB_PASSWORD, Value: x}` pairs (ECS environment, tags, ...)."""
    name = node.get("Name", node.get("Key"))
    if isinstance(name, str) and "Value" in node:
        return name, node["Value"]
    return None


class NoLiteralSecrets(CloudFormationLintRule):
    id = "E9702"
    shortdesc = "Templates contain no literal secrets"
    description = (
        "Flags AWS access key ids, PEM private key blocks, literal values of password-like "
        "properties, high-entropy literals of secret/token/key-like properties, and defaults "
        "on secret-like parameters (with an SSM parameter type the default names a plain String "
        "parameter, read in clear). infragen.facts.secrets decides what is secret-like, as for "
        "E9701 and `infragen render`. Dynamic references to Secrets Manager or SSM "
        "SecureString and Refs are fine."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"
    tags = ["infragen", "security", "secrets"]

    def match(self, cfn):
        matches = []
        parameters = cfn.template.get("Parameters")
        for name, parameter in (parameters if isinstance(parameters, dict) else {}).items():
            finding = default_finding(name, parameter) if isinstance(parameter, dict) else None
            if finding is not None:
                matches.append(RuleMatch(["Parameters", name, *finding.path], finding.message))
        for path, node in walk(cfn.template, []):
            if isinstance(node, str):
                matches.extend(self._scan_string(path, node))
            elif isinstance(node, dict):
                matches.extend(self._scan_mapping(path, node))
        return matches

    def _scan_string(self, path: list, value: str) -> list[RuleMatch]:
        if ACCESS_KEY_ID.search(value):
            return [RuleMatch(path, f"{_owner(path)}: AWS access key id in the template; {FIX}")]
        if PRIVATE_KEY_BLOCK.search(value):
            return [RuleMatch(path, f"{_owner(path)}: private key in the template; {FIX}")]
        return []

    def _scan_mapping(self, path: list, node: dict[str, Any]) -> list[RuleMatch]:
        found = []
        for key, value in node.items():
            if isinstance(key, str) and isinstance(value, str) and _is_secret_literal(key, value):
                found.append(
                    RuleMatch(
                        [*path, key],
                        f"{_owner(path)}: literal value for {key}; {FIX}",
                    )
                )
        pair = _named_value(node)
        if pair and isinstance(pair[1], str) and _is_secret_literal(*pair):
            found.append(
                RuleMatch(
                    [*path, "Value"],
                    f"{_owner(path)}: literal value for {pair[0]}; {FIX}",
                )
            )
        return found

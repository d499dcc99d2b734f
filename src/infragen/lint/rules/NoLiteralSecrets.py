"""E9702: no secret value is written into a template."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.secrets import FIX, default_finding, named_secret, secret_in_text
from infragen.lint._shared import walk


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
        "Flags literal values under secret-looking names (any literal for password-like names, "
        "high-entropy ones for secret/token/key names) as mapping keys, Name/Key-Value pairs "
        "(environments, tags) and `NAME=value` lines (user data, scripts); passwords in "
        "connection strings; well-known token formats (AWS access key ids, GitHub, Slack and "
        "Stripe tokens, PEM private keys); base64 of any of these; and defaults on secret-like "
        "parameters (with an SSM parameter type the default names a plain String parameter, "
        "read in clear). infragen.facts.secrets decides, as for E9701 and `infragen render`. "
        "A value that is exactly a Secrets Manager / SSM SecureString dynamic reference, or a "
        "Ref, is fine; text after `{{resolve:...}}` is a literal."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds"
    tags = ["infragen", "security", "secrets"]

    def match(self, cfn):
        found: dict[tuple, str] = {}
        parameters = cfn.template.get("Parameters")
        for name, parameter in (parameters if isinstance(parameters, dict) else {}).items():
            finding = default_finding(name, parameter) if isinstance(parameter, dict) else None
            if finding is not None:
                found[("Parameters", name, *finding.path)] = finding.message
        for path, node in walk(cfn.template, []):
            if isinstance(node, dict):
                for key, reason in self._named(node):
                    found.setdefault((*path, key), f"{_owner(path)}: {reason}; {FIX}")
            elif isinstance(node, str):
                reason = secret_in_text(node)
                if reason is not None:
                    found.setdefault(tuple(path), f"{_owner(path)}: {reason}; {FIX}")
        return [RuleMatch(list(path), message) for path, message in found.items()]

    @staticmethod
    def _named(node: dict[str, Any]) -> list[tuple[str, str]]:
        """(key, reason) for literal secrets this mapping binds to a secret-looking name."""
        hits = []
        for key, value in node.items():
            if isinstance(key, str) and isinstance(value, str):
                reason = named_secret(key, value)
                if reason is not None:
                    hits.append((key, reason))
        pair = _named_value(node)
        if pair and isinstance(pair[1], str):
            reason = named_secret(*pair)
            if reason is not None:
                hits.append(("Value", reason))
        return hits

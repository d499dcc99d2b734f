"""E9701: parameters that carry secrets are NoEcho."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_true, looks_like_secret_name


class SecretParameterNoEcho(CloudFormationLintRule):
    id = "E9701"
    shortdesc = "Parameters named like secrets set NoEcho: true"
    description = (
        "A parameter whose name mentions a password, secret, token, API key, private key or "
        "credential (but is not an ARN, name or id of one) sets NoEcho: true so CloudFormation "
        "masks it in the console, API and events."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"
    tags = ["infragen", "security", "secrets"]

    def match(self, cfn):
        parameters = cfn.template.get("Parameters")
        matches = []
        for name, parameter in (parameters if isinstance(parameters, dict) else {}).items():
            if not isinstance(parameter, dict) or not looks_like_secret_name(name):
                continue
            if is_true(parameter.get("NoEcho")):
                continue
            path = ["Parameters", name]
            if "NoEcho" in parameter:
                path.append("NoEcho")
            matches.append(
                RuleMatch(path, f"Parameter {name} looks like a secret: set NoEcho: true")
            )
        return matches

"""E9701: parameters that carry secrets are NoEcho."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.secrets import no_echo_finding


class SecretParameterNoEcho(CloudFormationLintRule):
    id = "E9701"
    shortdesc = "Parameters named like secrets set NoEcho: true"
    description = (
        "A parameter whose name mentions a password (passwd, pwd, pass, passphrase), secret, "
        "token, API key, private or signing key, credential or auth (but is not an ARN, name, "
        "id or setting of one) sets NoEcho: true so CloudFormation masks it in the console, API "
        "and events. infragen.facts.secrets decides, for this rule and for `infragen render`."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"
    tags = ["infragen", "security", "secrets"]

    def match(self, cfn):
        parameters = cfn.template.get("Parameters")
        matches = []
        for name, parameter in (parameters if isinstance(parameters, dict) else {}).items():
            if not isinstance(parameter, dict):
                continue
            finding = no_echo_finding(name, parameter)
            if finding is not None:
                matches.append(RuleMatch(["Parameters", name, *finding.path], finding.message))
        return matches

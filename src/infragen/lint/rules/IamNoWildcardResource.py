"""E9402: IAM Allow statements scope resources unless the action cannot be scoped."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.iam import needs_star_resource
from infragen.lint._shared import (
    IDENTITY_POLICY_PATHS,
    allow_statements,
    is_wildcard_action,
    keyed_strings,
    policy_documents,
)


class IamNoWildcardResource(CloudFormationLintRule):
    id = "E9402"
    shortdesc = (
        "IAM Allow statements use Resource '*' only for actions without resource-level permissions"
    )
    description = (
        "In identity policies (roles, users, groups, AWS::IAM::Policy/ManagedPolicy) an Allow "
        "statement with Resource '*' (or NotResource) is allowed only when every action has no "
        "resource-level permissions (infragen.facts.iam: generated from the AWS Service "
        "Authorization Reference data cfn-lint ships, the same list config validation uses). "
        "Patterns such as ec2:Describe* stand for some scopable actions: list the actions. Split "
        "such actions into their own statement."
    )
    source_url = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html"
    tags = ["infragen", "security", "iam"]

    def match(self, cfn):
        matches = []
        for doc_path, document in policy_documents(cfn.get_resources(), IDENTITY_POLICY_PATHS):
            name = doc_path[1]
            for path, statement in allow_statements(document, doc_path):
                if "NotResource" in statement:
                    matches.append(
                        RuleMatch(
                            [*path, "NotResource"],
                            f"{name}: replace Allow + NotResource with explicit Resource ARNs",
                        )
                    )
                stars = [p for p, r in keyed_strings(statement, "Resource", path) if r == "*"]
                if not stars:
                    continue
                actions = [a for _, a in keyed_strings(statement, "Action", path)]
                scoped = sorted(
                    a for a in actions if not is_wildcard_action(a) and not needs_star_resource(a)
                )
                if not scoped:
                    continue
                matches.append(
                    RuleMatch(
                        stars[0],
                        f"{name}: Resource '*' for actions that support resource ARNs "
                        f"({', '.join(scoped)}); scope them to ARNs, and keep '*' only for "
                        "actions without resource-level permissions",
                    )
                )
        return matches

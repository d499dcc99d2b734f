"""E9401: IAM Allow statements name actions, never `*` or `service:*`."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import (
    IDENTITY_POLICY_PATHS,
    RESOURCE_POLICY_PATHS,
    allow_statements,
    is_wildcard_action,
    keyed_strings,
    policy_documents,
)


class IamNoWildcardAction(CloudFormationLintRule):
    id = "E9401"
    shortdesc = "IAM Allow statements list actions explicitly (no * or service:*, no NotAction)"
    description = (
        "Allow statements in inline, managed and standalone IAM policies and in bucket, queue "
        "and topic policies grant named actions. `*`, `service:*` and Allow with NotAction "
        "grant far more than a workload needs. Deny statements may use wildcards. KMS key "
        "policies are out of scope: their standard statement grants kms:* to the account root "
        "so that IAM policies decide."
    )
    source_url = (
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    )
    tags = ["infragen", "security", "iam"]

    def match(self, cfn):
        resources = cfn.get_resources()
        matches = []
        for table in (IDENTITY_POLICY_PATHS, RESOURCE_POLICY_PATHS):
            for doc_path, document in policy_documents(resources, table):
                name = doc_path[1]
                for path, statement in allow_statements(document, doc_path):
                    if "NotAction" in statement:
                        matches.append(
                            RuleMatch(
                                [*path, "NotAction"],
                                f"{name}: replace Allow + NotAction with an explicit Action list",
                            )
                        )
                    for action_path, action in keyed_strings(statement, "Action", path):
                        if is_wildcard_action(action):
                            matches.append(
                                RuleMatch(
                                    action_path,
                                    f"{name}: action '{action}' grants every action; list "
                                    "the actions the workload calls",
                                )
                            )
        return matches

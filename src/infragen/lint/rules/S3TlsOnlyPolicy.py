"""E9202: every S3 bucket has a bucket policy that denies requests without TLS."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import as_list, referenced_logical_id


def _denies_insecure_transport(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    for statement in as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        condition = statement.get("Condition")
        if not isinstance(condition, dict):
            continue
        for operator in ("Bool", "BoolIfExists"):
            test = condition.get(operator)
            if isinstance(test, dict) and str(test.get("aws:SecureTransport")).lower() == "false":
                return True
    return False


class S3TlsOnlyPolicy(CloudFormationLintRule):
    id = "E9202"
    shortdesc = "S3 buckets have a bucket policy denying aws:SecureTransport false"
    description = (
        "Each AWS::S3::Bucket has an AWS::S3::BucketPolicy in the same template (Bucket: Ref "
        "the bucket) with a Deny statement conditioned on Bool aws:SecureTransport false."
    )
    source_url = (
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
    )
    tags = ["infragen", "security", "s3"]

    def match(self, cfn):
        protected = set()
        for policy in cfn.get_resources(["AWS::S3::BucketPolicy"]).values():
            properties = policy.get("Properties") or {}
            bucket = referenced_logical_id(properties.get("Bucket"))
            if bucket and _denies_insecure_transport(properties.get("PolicyDocument")):
                protected.add(bucket)
        return [
            RuleMatch(
                ["Resources", name],
                f"{name}: add an AWS::S3::BucketPolicy with Bucket: !Ref {name} that denies "
                "s3:* when Bool aws:SecureTransport is false",
            )
            for name in cfn.get_resources(["AWS::S3::Bucket"])
            if name not in protected
        ]

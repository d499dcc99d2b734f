"""E9201: every S3 bucket blocks public access with all four settings."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_true

SETTINGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


class S3PublicAccessBlocked(CloudFormationLintRule):
    id = "E9201"
    shortdesc = "S3 buckets set all four PublicAccessBlockConfiguration settings to true"
    description = (
        "BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets are all "
        "true on every AWS::S3::Bucket; serve public content through CloudFront instead."
    )
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
    tags = ["infragen", "security", "s3"]

    def match(self, cfn):
        matches = []
        for name, resource in cfn.get_resources(["AWS::S3::Bucket"]).items():
            properties = resource.get("Properties") or {}
            block = properties.get("PublicAccessBlockConfiguration")
            if not isinstance(block, dict):
                matches.append(
                    RuleMatch(
                        ["Resources", name],
                        f"{name}: add PublicAccessBlockConfiguration with "
                        f"{', '.join(SETTINGS)} all true",
                    )
                )
                continue
            path = ["Resources", name, "Properties", "PublicAccessBlockConfiguration"]
            for setting in SETTINGS:
                if not is_true(block.get(setting)):
                    matches.append(
                        RuleMatch(
                            [*path, setting] if setting in block else path,
                            f"{name}: set PublicAccessBlockConfiguration.{setting} to true",
                        )
                    )
        return matches

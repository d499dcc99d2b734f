"""W9203: S3 buckets keep versions unless an opt-out with a reason is recorded."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import resource_infragen_metadata

OPT_OUT_KEY = "unversioned"


class S3Versioned(CloudFormationLintRule):
    id = "W9203"
    shortdesc = "S3 buckets have versioning enabled (or a documented opt-out)"
    description = (
        "VersioningConfiguration.Status is Enabled. To opt out (scratch or log buckets), give the "
        "bucket `Metadata: {infragen: {unversioned: <reason>}}` with a non-empty reason."
    )
    source_url = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"
    tags = ["infragen", "s3", "resilience"]

    def match(self, cfn):
        matches = []
        for name, resource in cfn.get_resources(["AWS::S3::Bucket"]).items():
            reason = resource_infragen_metadata(resource).get(OPT_OUT_KEY)
            if isinstance(reason, str) and reason.strip():
                continue
            properties = resource.get("Properties") or {}
            versioning = properties.get("VersioningConfiguration")
            if isinstance(versioning, dict) and versioning.get("Status") == "Enabled":
                continue
            path = ["Resources", name]
            if isinstance(versioning, dict):
                path = [*path, "Properties", "VersioningConfiguration"]
            matches.append(
                RuleMatch(
                    path,
                    f"{name}: set VersioningConfiguration.Status to Enabled, or record why not "
                    f"in Metadata.infragen.{OPT_OUT_KEY}",
                )
            )
        return matches

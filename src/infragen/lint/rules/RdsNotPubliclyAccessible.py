"""E9302: RDS instances are not reachable from the internet."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class RdsNotPubliclyAccessible(CloudFormationLintRule):
    id = "E9302"
    shortdesc = "RDS DB instances are not PubliclyAccessible"
    description = (
        "AWS::RDS::DBInstance must not set PubliclyAccessible to true (or to anything but a "
        "literal false); place databases in private subnets and reach them through the VPC."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
    tags = ["infragen", "security", "rds"]

    def match(self, cfn):
        matches = []
        for name, resource in cfn.get_resources(["AWS::RDS::DBInstance"]).items():
            properties = resource.get("Properties") or {}
            if "PubliclyAccessible" not in properties:
                continue
            value = properties["PubliclyAccessible"]
            if value is False or (isinstance(value, str) and value.lower() == "false"):
                continue
            matches.append(
                RuleMatch(
                    ["Resources", name, "Properties", "PubliclyAccessible"],
                    f"{name}: set PubliclyAccessible: false and use private subnets",
                )
            )
        return matches

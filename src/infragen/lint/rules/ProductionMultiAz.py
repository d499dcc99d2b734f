"""W9602: production databases survive the loss of an Availability Zone."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import (
    infragen_metadata,
    is_production,
    is_set,
    is_true,
    production_option,
)


class ProductionMultiAz(CloudFormationLintRule):
    id = "W9602"
    shortdesc = "RDS DB instances in production are Multi-AZ"
    description = (
        "In production templates (Metadata.infragen.production, else the environment name; "
        "option production_environments as for E9601) an "
        "AWS::RDS::DBInstance that is not an Aurora cluster member sets MultiAZ: true. "
        "Development and staging may run single-AZ to save cost."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html"
    tags = ["infragen", "resilience", "production", "rds"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = production_option()
        self.configure()

    def match(self, cfn):
        environments = self.config["production_environments"]
        if not is_production(infragen_metadata(cfn.template), environments):
            return []
        matches = []
        for name, resource in cfn.get_resources(["AWS::RDS::DBInstance"]).items():
            properties = resource.get("Properties") or {}
            if is_set(properties.get("DBClusterIdentifier")) or is_true(properties.get("MultiAZ")):
                continue
            path = ["Resources", name, "Properties"]
            if "MultiAZ" in properties:
                path.append("MultiAZ")
            matches.append(RuleMatch(path, f"{name}: set MultiAZ: true for production"))
        return matches

"""E9601: stateful resources survive stack deletion and replacement in production."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.stateful import STATEFUL_TYPES
from infragen.lint._shared import infragen_metadata, is_production, production_option

KEEPING = {
    "DeletionPolicy": {"Retain", "RetainExceptOnCreate", "Snapshot"},
    "UpdateReplacePolicy": {"Retain", "Snapshot"},
}


class ProductionRetainPolicy(CloudFormationLintRule):
    id = "E9601"
    shortdesc = "Stateful resources in production keep their data on delete and replace"
    description = (
        "In production templates (Metadata.infragen.production: true, or else "
        "Metadata.infragen.environment in the option production_environments, default "
        "prod,production), RDS, DynamoDB, S3, KMS, EFS, ElastiCache, Secrets Manager, ECR and "
        "log group resources (infragen.facts.stateful, as deploy's stateful-change check uses) "
        "set DeletionPolicy and UpdateReplacePolicy to Retain or Snapshot."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["infragen", "resilience", "production"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = production_option()
        self.configure()

    def match(self, cfn):
        environments = self.config["production_environments"]
        if not is_production(infragen_metadata(cfn.template), environments):
            return []
        matches = []
        for name, resource in cfn.get_resources(sorted(STATEFUL_TYPES)).items():
            for attribute, keeping in KEEPING.items():
                if resource.get(attribute) in keeping:
                    continue
                path = ["Resources", name]
                if attribute in resource:
                    path.append(attribute)
                matches.append(
                    RuleMatch(
                        path,
                        f"{name} ({resource['Type']}) in production: set {attribute}: Retain "
                        f"(or Snapshot where supported) so its data survives",
                    )
                )
        return matches

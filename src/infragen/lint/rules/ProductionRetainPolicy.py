"""E9601: stateful resources survive stack deletion and replacement in production."""

from __future__ import annotations

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import (
    DEFAULT_PRODUCTION_ENVIRONMENTS,
    STATEFUL_TYPES,
    infragen_metadata,
)

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
        "prod,production), RDS, DynamoDB, S3, KMS, "
        "EFS, ElastiCache, Secrets Manager and log group resources set DeletionPolicy and "
        "UpdateReplacePolicy to Retain or Snapshot."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["infragen", "resilience", "production"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {
            "production_environments": {
                "default": list(DEFAULT_PRODUCTION_ENVIRONMENTS),
                "type": "list",
                "itemtype": "string",
            }
        }
        self.configure()

    def match(self, cfn):
        if not self._is_production(infragen_metadata(cfn.template)):
            return []
        matches = []
        for name, resource in cfn.get_resources(list(STATEFUL_TYPES)).items():
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

    def _is_production(self, metadata: dict) -> bool:
        """An explicit `production: true/false` wins; otherwise the environment's name decides."""
        if isinstance(metadata.get("production"), bool):
            return metadata["production"]
        environment = metadata.get("environment")
        # cfn-lint's `-x RULE:key=value` splits on commas itself, so a CLI list is "prod|live".
        production = {
            name.lower()
            for entry in self.config["production_environments"]
            for name in re.split(r"[,|\s]+", str(entry))
            if name
        }
        return isinstance(environment, str) and environment.lower() in production

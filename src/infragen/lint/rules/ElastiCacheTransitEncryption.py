"""E9303: Redis/Valkey replication groups encrypt in transit and require authentication."""

from __future__ import annotations

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_set, is_true

AUTH_ENGINES = {"redis", "valkey"}


class ElastiCacheTransitEncryption(CloudFormationLintRule):
    id = "E9303"
    shortdesc = "ElastiCache Redis/Valkey replication groups use TLS and an AuthToken"
    description = (
        "AWS::ElastiCache::ReplicationGroup with engine redis or valkey (the default engine is "
        "redis) sets TransitEncryptionEnabled: true and authenticates clients with AuthToken "
        "(from a dynamic reference) or RBAC UserGroupIds."
    )
    source_url = (
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html"
    )
    tags = ["infragen", "security", "elasticache"]

    def match(self, cfn):
        matches = []
        for name, resource in cfn.get_resources(["AWS::ElastiCache::ReplicationGroup"]).items():
            properties = resource.get("Properties") or {}
            engine = properties.get("Engine", "redis")
            if not isinstance(engine, str) or engine.lower() not in AUTH_ENGINES:
                continue
            if not is_true(properties.get("TransitEncryptionEnabled")):
                path = ["Resources", name, "Properties"]
                if "TransitEncryptionEnabled" in properties:
                    path.append("TransitEncryptionEnabled")
                matches.append(RuleMatch(path, f"{name}: set TransitEncryptionEnabled: true"))
            if not (is_set(properties.get("AuthToken")) or is_set(properties.get("UserGroupIds"))):
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties"],
                        f"{name}: set AuthToken from '{{{{resolve:secretsmanager:...}}}}' "
                        "(or UserGroupIds for RBAC)",
                    )
                )
        return matches

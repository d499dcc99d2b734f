"""E9301: data stores are encrypted at rest."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import is_set, is_true


def _flag(properties: dict[str, Any], key: str) -> bool:
    return is_true(properties.get(key))


def _s3(p: dict[str, Any]) -> bool:
    config = (p.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    return isinstance(config, list) and len(config) > 0


def _rds_instance(p: dict[str, Any]) -> bool:
    # Aurora members and read replicas inherit encryption from their cluster / source.
    if is_set(p.get("DBClusterIdentifier")) or is_set(p.get("SourceDBInstanceIdentifier")):
        return True
    return _flag(p, "StorageEncrypted")


def _dynamodb(p: dict[str, Any]) -> bool:
    return is_true((p.get("SSESpecification") or {}).get("SSEEnabled"))


def _sqs(p: dict[str, Any]) -> bool:
    return is_set(p.get("KmsMasterKeyId")) or _flag(p, "SqsManagedSseEnabled")


def _cache_cluster(p: dict[str, Any]) -> bool:
    # A single-node CacheCluster has no at-rest encryption setting; memcached cannot encrypt.
    return str(p.get("Engine", "")).lower() not in {"redis", "valkey"}


#: type -> (check, the property (or candidates) the finding points at when present, fix)
CHECKS = {
    "AWS::S3::Bucket": (
        _s3,
        "BucketEncryption",
        "add BucketEncryption.ServerSideEncryptionConfiguration (aws:kms or AES256)",
    ),
    "AWS::RDS::DBInstance": (_rds_instance, "StorageEncrypted", "set StorageEncrypted: true"),
    "AWS::RDS::DBCluster": (
        lambda p: _flag(p, "StorageEncrypted"),
        "StorageEncrypted",
        "set StorageEncrypted: true",
    ),
    "AWS::ElastiCache::ReplicationGroup": (
        lambda p: _flag(p, "AtRestEncryptionEnabled"),
        "AtRestEncryptionEnabled",
        "set AtRestEncryptionEnabled: true",
    ),
    "AWS::ElastiCache::CacheCluster": (
        _cache_cluster,
        "Engine",
        "use an AWS::ElastiCache::ReplicationGroup with AtRestEncryptionEnabled: true",
    ),
    "AWS::DynamoDB::Table": (
        _dynamodb,
        "SSESpecification",
        "set SSESpecification.SSEEnabled: true (KMS)",
    ),
    "AWS::DynamoDB::GlobalTable": (
        _dynamodb,
        "SSESpecification",
        "set SSESpecification.SSEEnabled: true (KMS)",
    ),
    "AWS::SQS::Queue": (
        _sqs,
        ("KmsMasterKeyId", "SqsManagedSseEnabled"),
        "set KmsMasterKeyId or SqsManagedSseEnabled: true",
    ),
    "AWS::SNS::Topic": (
        lambda p: is_set(p.get("KmsMasterKeyId")),
        "KmsMasterKeyId",
        "set KmsMasterKeyId (e.g. alias/aws/sns or a customer key)",
    ),
    "AWS::EC2::Volume": (lambda p: _flag(p, "Encrypted"), "Encrypted", "set Encrypted: true"),
    "AWS::EFS::FileSystem": (lambda p: _flag(p, "Encrypted"), "Encrypted", "set Encrypted: true"),
}


class EncryptionAtRest(CloudFormationLintRule):
    id = "E9301"
    shortdesc = "Data stores are encrypted at rest"
    description = (
        "S3 buckets, RDS instances and clusters, ElastiCache replication groups, DynamoDB "
        "tables, SQS queues, SNS topics, EBS volumes and EFS file systems enable encryption at "
        "rest explicitly. A Redis/Valkey CacheCluster cannot, so it must be a ReplicationGroup."
    )
    source_url = "https://docs.aws.amazon.com/prescriptive-guidance/latest/encryption-best-practices/welcome.html"
    tags = ["infragen", "security", "encryption"]

    def match(self, cfn):
        matches = []
        for name, resource in cfn.get_resources(list(CHECKS)).items():
            check, prop, fix = CHECKS[resource["Type"]]
            properties = resource.get("Properties")
            properties = properties if isinstance(properties, dict) else {}
            if check(properties):
                continue
            path = ["Resources", name]
            present = [p for p in (prop if isinstance(prop, tuple) else (prop,)) if p in properties]
            if present:
                path = [*path, "Properties", present[0]]
            message = f"{name} ({resource['Type']}) is not encrypted at rest: {fix}"
            matches.append(RuleMatch(path, message))
        return matches

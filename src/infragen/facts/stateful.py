"""Resource types whose data outlives a stack, and which of them can keep a final snapshot.

Three readers: blueprints keep these on delete and replace in production
(`blueprints/helpers/stateful.protect`), rule E9601 checks that they do, and deploy refuses a
change set that would replace or remove one unless allowed. cfn-lint ships a longer list
(`cfnlint/data/AdditionalSpecs/StatefulResources.json`, with queues, streams, user pools,
nested stacks); this one is what infragen protects: data stores, keys, secrets, logs and images.
"""

from __future__ import annotations

#: Replacing or removing one of these loses data (or a key, or its identity).
STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::GlobalTable",
        "AWS::DynamoDB::Table",
        "AWS::ECR::Repository",
        "AWS::EFS::FileSystem",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::ServerlessCache",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
    }
)

#: Stateful types that infragen lets keep a final snapshot (`DeletionPolicy: Snapshot`) instead
#: of being retained whole; CloudFormation supports Snapshot on these.
SNAPSHOT_TYPES = frozenset(
    {
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
    }
)

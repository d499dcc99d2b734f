"""Stateful resources are kept when a production stack is deleted or the resource replaced."""

from __future__ import annotations

from troposphere import AWSObject

# Types whose deletion loses data; RDS and ElastiCache can keep a final snapshot instead.
SNAPSHOT_TYPES = frozenset(
    {
        "AWS::RDS::DBInstance",
        "AWS::RDS::DBCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::CacheCluster",
    }
)


def protect(resource: AWSObject, production: bool) -> AWSObject:
    """Retain (or Snapshot) on delete and replace in production; Delete elsewhere."""
    if production:
        policy = "Snapshot" if resource.resource_type in SNAPSHOT_TYPES else "Retain"
    else:
        policy = "Snapshot" if resource.resource_type in SNAPSHOT_TYPES else "Delete"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy
    return resource

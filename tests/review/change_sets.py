"""DescribeChangeSet responses with property values (IncludePropertyValues), returned through
botocore's Stubber so every fixture is checked against CloudFormation's service model."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
from botocore.stub import Stubber

STACK, CHANGE_SET = "acme-prod-shop-app", "infragen-plan-0123456789ab"


def _change(
    action: str,
    logical_id: str,
    type_: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    replacement: str = "False",
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    rc: dict[str, Any] = {
        "Action": action,
        "LogicalResourceId": logical_id,
        "ResourceType": type_,
        "Details": details or [],
    }
    if action == "Modify":
        rc["Replacement"] = replacement
        rc["PhysicalResourceId"] = f"{logical_id.lower()}-physical"
    if before is not None:
        rc["BeforeContext"] = json.dumps({"Properties": before})
    if after is not None:
        rc["AfterContext"] = json.dumps({"Properties": after})
    return {"Type": "Resource", "ResourceChange": rc}


def _detail(name: str, recreation: str = "Never", **extra: str) -> dict[str, Any]:
    return {
        "Target": {
            "Attribute": "Properties",
            "Name": name,
            "RequiresRecreation": recreation,
            "Path": f"/Properties/{name}",
            "AttributeChangeType": "Modify",
        },
        "Evaluation": "Static",
        "ChangeSource": extra.get("source", "DirectModification"),
        **({"CausingEntity": extra["cause"]} if "cause" in extra else {}),
    }


SG_BEFORE = {
    "GroupDescription": "app",
    "SecurityGroupIngress": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16"}
    ],
}
SG_AFTER = {
    "GroupDescription": "app",
    "SecurityGroupIngress": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
    ],
}
POLICY = {
    "PolicyName": "app",
    "PolicyDocument": {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}
        ]
    },
}
POLICY_STAR = {
    "PolicyName": "app",
    "PolicyDocument": {
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        ]
    },
}
ENCRYPTION = {
    "ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}
    ]
}

CHANGES = [
    _change(
        "Modify",
        "Function",
        "AWS::Lambda::Function",
        {"MemorySize": 1024, "Timeout": 30},
        {"MemorySize": 2048, "Timeout": 30},
        details=[_detail("MemorySize")],
    ),
    _change(
        "Modify",
        "AppSecurityGroup",
        "AWS::EC2::SecurityGroup",
        SG_BEFORE,
        SG_AFTER,
        details=[_detail("SecurityGroupIngress")],
    ),
    _change(
        "Modify",
        "TaskRole",
        "AWS::IAM::Role",
        {"Policies": [POLICY]},
        {"Policies": [POLICY_STAR]},
        details=[_detail("Policies")],
    ),
    _change(
        "Modify",
        "Database",
        "AWS::RDS::DBInstance",
        {"DBInstanceIdentifier": "shop-db", "DBInstanceClass": "db.t4g.small"},
        {"DBInstanceIdentifier": "shop-db-2", "DBInstanceClass": "db.t4g.small"},
        replacement="True",
        details=[_detail("DBInstanceIdentifier", "Always")],
    ),
    _change(
        "Modify",
        "Cache",
        "AWS::ElastiCache::ReplicationGroup",
        {"AuthToken": "{{resolve:secretsmanager:shop/redis:SecretString:token}}"},
        {"AuthToken": "{{resolve:secretsmanager:shop/redis-2:SecretString:token}}"},
        details=[_detail("AuthToken")],
    ),
    _change(
        "Modify",
        "Proxy",
        "AWS::EC2::Instance",
        {"UserData": "old-password"},
        {"UserData": "new-password"},
        details=[_detail("UserData", source="ParameterReference", cause="AdminPassword")],
    ),
    _change(
        "Modify",
        "Uploads",
        "AWS::S3::Bucket",
        {"BucketEncryption": ENCRYPTION, "VersioningConfiguration": {"Status": "Enabled"}},
        {"VersioningConfiguration": {"Status": "Enabled"}},
        details=[_detail("BucketEncryption")],
    ),
]


def describe_with_values() -> dict[str, Any]:
    """DescribeChangeSet(IncludePropertyValues=True) as the Stubber returns it."""
    client = botocore.session.get_session().create_client(
        "cloudformation",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    response = {
        "ChangeSetName": CHANGE_SET,
        "StackName": STACK,
        "Status": "CREATE_COMPLETE",
        "ExecutionStatus": "AVAILABLE",
        "Changes": CHANGES,
    }
    with Stubber(client) as stub:
        stub.add_response(
            "describe_change_set",
            response,
            {"StackName": STACK, "ChangeSetName": CHANGE_SET, "IncludePropertyValues": True},
        )
        return client.describe_change_set(
            StackName=STACK, ChangeSetName=CHANGE_SET, IncludePropertyValues=True
        )

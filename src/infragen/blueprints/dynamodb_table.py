"""A DynamoDB table: encrypted, point-in-time recovery on, on-demand unless told otherwise."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from troposphere import GetAtt, Ref, dynamodb

from infragen.blueprints.base import Blueprint, BlueprintVars, VarError
from infragen.blueprints.helpers.stateful import protect


class Key(BlueprintVars):
    name: str = Field(min_length=1, max_length=255)
    type: Literal["S", "N", "B"] = "S"


class Capacity(BlueprintVars):
    read: int = Field(ge=1)
    write: int = Field(ge=1)


class DynamoDbTableVars(BlueprintVars):
    partition_key: Key
    sort_key: Key | None = None
    billing_mode: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
    capacity: Capacity | None = None
    ttl_attribute: str | None = None
    stream: Literal["NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"] | None = None

    @model_validator(mode="after")
    def _capacity(self) -> DynamoDbTableVars:
        if (self.billing_mode == "PROVISIONED") != (self.capacity is not None):
            raise VarError(
                "capacity is required with billing_mode PROVISIONED and refused otherwise",
                "capacity",
            )
        if self.sort_key is not None and self.sort_key.name == self.partition_key.name:
            raise VarError("sort_key must differ from partition_key", "sort_key", "name")
        return self


class DynamoDbTable(Blueprint):
    description = "DynamoDB table with SSE, point-in-time recovery, on-demand by default"
    Vars = DynamoDbTableVars
    outputs = {"TableName": "Name of the table", "TableArn": "ARN of the table"}
    vars: DynamoDbTableVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: DynamoDB table ({v.billing_mode})")
        keys = [v.partition_key] + ([v.sort_key] if v.sort_key else [])
        props: dict[str, Any] = {
            "TableName": self.context.physical_name(),
            "BillingMode": v.billing_mode,
            "AttributeDefinitions": [
                dynamodb.AttributeDefinition(AttributeName=k.name, AttributeType=k.type)
                for k in keys
            ],
            "KeySchema": [
                dynamodb.KeySchema(AttributeName=k.name, KeyType=kind)
                for k, kind in zip(keys, ("HASH", "RANGE"), strict=False)
            ],
            "SSESpecification": dynamodb.SSESpecification(SSEEnabled=True),
            "PointInTimeRecoverySpecification": dynamodb.PointInTimeRecoverySpecification(
                PointInTimeRecoveryEnabled=True
            ),
            "DeletionProtectionEnabled": self.context.production,
        }
        if v.capacity is not None:
            props["ProvisionedThroughput"] = dynamodb.ProvisionedThroughput(
                ReadCapacityUnits=v.capacity.read, WriteCapacityUnits=v.capacity.write
            )
        if v.ttl_attribute:
            props["TimeToLiveSpecification"] = dynamodb.TimeToLiveSpecification(
                AttributeName=v.ttl_attribute, Enabled=True
            )
        if v.stream:
            props["StreamSpecification"] = dynamodb.StreamSpecification(StreamViewType=v.stream)
        table = t.add_resource(protect(dynamodb.Table("Table", **props), self.context.production))
        self.output("TableName", Ref(table))
        self.output("TableArn", GetAtt(table, "Arn"))
        return t

"""Log groups always have a retention; the allowed values are CloudWatch's own list."""

from __future__ import annotations

from typing import Any, Literal

from troposphere import Template, logs

from infragen.blueprints.helpers.stateful import protect

# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
RetentionDays = Literal[
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
]


def log_group(
    template: Template,
    logical_id: str,
    *,
    retention_days: int,
    production: bool,
    name: Any = None,
    kms_key_arn: Any = None,
) -> logs.LogGroup:
    group = logs.LogGroup(logical_id, RetentionInDays=retention_days)
    if name is not None:
        group.LogGroupName = name
    if kms_key_arn is not None:
        group.KmsKeyId = kms_key_arn
    protect(group, production)
    return template.add_resource(group)

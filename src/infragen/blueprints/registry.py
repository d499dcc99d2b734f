"""Find a blueprint class by name: built-ins, the `infragen.blueprints` entry-point group, or a
`package.module:Class` path written in config. Nothing is imported until a name is asked for."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points

from infragen.errors import BlueprintError

ENTRY_POINT_GROUP = "infragen.blueprints"

# name -> "module:Class"; imported lazily so `infragen list` does not pay for every blueprint.
BUILTIN: dict[str, str] = {
    "network": "infragen.blueprints.network:Network",
    "alb": "infragen.blueprints.alb:Alb",
    "dynamodb-table": "infragen.blueprints.dynamodb_table:DynamoDbTable",
    "ec2-instance": "infragen.blueprints.ec2_instance:Ec2Instance",
    "ecr-repository": "infragen.blueprints.ecr_repository:EcrRepository",
    "http-api": "infragen.blueprints.http_api:HttpApi",
    "iam-role": "infragen.blueprints.iam_role:IamRole",
    "lambda-function": "infragen.blueprints.lambda_function:LambdaFunction",
    "lambda-permission": "infragen.blueprints.lambda_permission:LambdaPermission",
    "rds-postgres": "infragen.blueprints.rds_postgres:RdsPostgres",
    "rest-api": "infragen.blueprints.rest_api:RestApi",
    "rest-api-stage": "infragen.blueprints.rest_api:RestApiStage",
    "s3-bucket": "infragen.blueprints.s3_bucket:S3Bucket",
}


def available() -> list[str]:
    return sorted(set(BUILTIN) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


@cache
def get_blueprint(name: str) -> type:
    """The class for `name`; BlueprintError with the known names when there is none."""
    from infragen.blueprints.base import Blueprint

    if ":" in name:
        target = name
    elif name in BUILTIN:
        target = BUILTIN[name]
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not found:
            raise BlueprintError(
                f"unknown blueprint {name!r}",
                "known blueprints: "
                + ", ".join(available())
                + "; or give a 'package.module:Class' path",
            )
        target = found[0].value
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise BlueprintError(
            f"blueprint {name!r} could not be loaded from {target}: {exc}",
            "check the module path and that its package is installed in this environment",
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Blueprint)):
        raise BlueprintError(
            f"{target} is not a Blueprint subclass",
            "a blueprint subclasses infragen.blueprints.base.Blueprint",
        )
    return cls

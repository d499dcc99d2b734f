"""CloudFormation models for the resource types infragen's blueprints emit and moto lacks.

One module per AWS service; each class is named after the type it emulates and says in
its docstring what subset it emulates. `load()` imports them all, which is what registers
them: moto lists its models with `CloudFormationModel.__subclasses__()` (lru-cached in
`moto.cloudformation.parsing`), so the caller clears those caches after `load()`.
"""

from __future__ import annotations

import importlib

MODULES: tuple[str, ...] = (
    "infragen.emulator.models.acm",
    "infragen.emulator.models.apigateway",
    "infragen.emulator.models.apigatewayv2",
    "infragen.emulator.models.applicationautoscaling",
    "infragen.emulator.models.apprunner",
    "infragen.emulator.models.budgets",
    "infragen.emulator.models.cloudfront",
    "infragen.emulator.models.cloudwatch",
    "infragen.emulator.models.ec2",
    "infragen.emulator.models.ecr",
    "infragen.emulator.models.elasticache",
    "infragen.emulator.models.iam",
    "infragen.emulator.models.rds",
    "infragen.emulator.models.s3",
    "infragen.emulator.models.secretsmanager",
    "infragen.emulator.models.servicediscovery",
    "infragen.emulator.models.wafv2",
)


def load() -> None:
    """Import every model module (idempotent: Python imports a module once)."""
    for name in MODULES:
        importlib.import_module(name)

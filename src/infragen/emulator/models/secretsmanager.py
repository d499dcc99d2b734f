"""AWS Secrets Manager, backed by moto's own Secrets Manager backend.

A secret created by a stack is a real moto secret: GetSecretValue returns its (generated)
value, DescribeSecret shows its policy and rotation settings, so a consumer that reads it
by ARN works as it would on AWS.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import SecretsManagerBackend, secretsmanager_backends
from moto.secretsmanager.utils import random_password

from infragen.emulator.models._base import EmulatedResource, truthy


def _backend(resource: EmulatedResource) -> SecretsManagerBackend:
    return secretsmanager_backends[resource.account_id][resource.region_name]


def generate(spec: dict[str, Any]) -> str:
    """The value GenerateSecretString describes: a password, or a JSON object holding one."""
    password = random_password(
        int(spec.get("PasswordLength", 32)),
        str(spec.get("ExcludeCharacters", "")),
        truthy(spec.get("ExcludeNumbers")),
        truthy(spec.get("ExcludePunctuation")),
        truthy(spec.get("ExcludeUppercase")),
        truthy(spec.get("ExcludeLowercase")),
        truthy(spec.get("IncludeSpace")),
        truthy(spec.get("RequireEachIncludedType", True)),
    )
    template = spec.get("SecretStringTemplate")
    if template is None:
        return password
    value = json.loads(template)
    value[spec.get("GenerateStringKey", "password")] = password
    return json.dumps(value)


class Secret(EmulatedResource, CloudFormationModel):
    """AWS::SecretsManager::Secret: a moto secret; Ref and Id are its ARN.

    SecretString or GenerateSecretString (password, or a JSON template with the generated
    key) become its first version; a changed value adds a version, as CloudFormation does.
    Replica regions are not emulated.
    """

    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = ("Name",)

    def _value(self) -> str:
        if self.prop("SecretString") is not None:
            return str(self.prop("SecretString"))
        return generate(self.prop("GenerateSecretString", {}))

    def on_create(self) -> None:
        _backend(self).create_secret(
            name=self.name,
            secret_string=self._value(),
            secret_binary=None,
            description=self.prop("Description"),
            tags=[{"Key": k, "Value": v} for k, v in self.tags.items()] or None,
            kms_key_id=self.prop("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        self.secret_arn = _backend(self).describe_secret(self.name).arn

    def on_update(self, previous: dict[str, Any]) -> None:
        backend = _backend(self)
        value_keys = ("SecretString", "GenerateSecretString")
        if any(self.prop(k) != previous.get(k) for k in value_keys):
            backend.update_secret(
                self.secret_arn,
                secret_string=self._value(),
                kms_key_id=self.prop("KmsKeyId"),
                description=self.prop("Description"),
            )
        secret = backend.describe_secret(self.secret_arn)
        secret.description = self.prop("Description")
        secret.kms_key_id = self.prop("KmsKeyId")
        secret.tags = [{"Key": k, "Value": v} for k, v in self.tags.items()]

    def on_delete(self) -> None:
        # CloudFormation deletes a secret without a recovery window.
        _backend(self).delete_secret(
            self.secret_arn, recovery_window_in_days=None, force_delete_without_recovery=True
        )

    def ref(self) -> str:
        return self.secret_arn

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.secret_arn}


class ResourcePolicy(EmulatedResource, CloudFormationModel):
    """AWS::SecretsManager::ResourcePolicy: the secret's policy in moto; Ref and Id are the
    secret's ARN. BlockPublicPolicy is accepted and not evaluated."""

    TYPE = "AWS::SecretsManager::ResourcePolicy"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = ("SecretId",)

    def _put(self) -> None:
        policy = self.prop("ResourcePolicy", {})
        text = policy if isinstance(policy, str) else json.dumps(policy)
        self.secret_arn, _ = _backend(self).put_resource_policy(self.prop("SecretId"), text)

    def on_create(self) -> None:
        self._put()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._put()

    def on_delete(self) -> None:
        if self.secret_arn in _backend(self).secrets:
            _backend(self).delete_resource_policy(self.secret_arn)

    def ref(self) -> str:
        return self.secret_arn

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.secret_arn}


class RotationSchedule(EmulatedResource, CloudFormationModel):
    """AWS::SecretsManager::RotationSchedule: rotation settings on the moto secret (enabled,
    Lambda ARN, days, next date); Ref and Id are the secret's ARN. The rotation Lambda is
    never invoked (moto would need Docker) and HostedRotationLambda creates no function."""

    TYPE = "AWS::SecretsManager::RotationSchedule"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = ("SecretId",)

    def _apply(self, enabled: bool) -> None:
        secret = _backend(self).secrets.get(self.secret_arn)
        if secret is None:
            return
        rules = self.prop("RotationRules", {})
        days = int(rules.get("AutomaticallyAfterDays", 0) or 0)
        secret.rotation_requested = True  # moto describes rotation only once requested
        secret.rotation_enabled = enabled
        secret.rotation_lambda_arn = self.prop("RotationLambdaARN", "") if enabled else ""
        secret.auto_rotate_after_days = days if enabled else 0
        secret.next_rotation_date = None
        if enabled and days:
            secret.next_rotation_date = int(time.time()) + days * 86400

    def on_create(self) -> None:
        self.secret_arn = _backend(self).describe_secret(self.prop("SecretId")).arn
        self._apply(enabled=True)

    def on_update(self, previous: dict[str, Any]) -> None:
        self._apply(enabled=True)

    def on_delete(self) -> None:
        self._apply(enabled=False)

    def ref(self) -> str:
        return self.secret_arn

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.secret_arn}

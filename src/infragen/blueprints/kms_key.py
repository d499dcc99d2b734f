"""A customer-managed KMS key: rotated, administered through IAM, used only by whom config names.

The key policy has two kinds of statement. The account root may *administer* the key (so IAM
policies decide who manages it, and the key can never become unmanageable), but not use it.
Each `usage` entry then grants the cryptographic operations to exactly the principals it names,
narrowed by `kms:ViaService` (only through that AWS service) or, for a service principal, by
`aws:SourceAccount` (only on behalf of this account: no confused deputy).
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
"""

from __future__ import annotations

import re
from typing import Any, Literal

from awacs import kms
from awacs.aws import Allow, ArnLike, Bool, Condition, Principal, Statement, StringEquals
from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Ref, Sub
from troposphere import kms as tkms

from infragen.blueprints.base import Blueprint, BlueprintVars, DeployStr, VarError
from infragen.blueprints.helpers.role import policy_document
from infragen.blueprints.helpers.stateful import protect

SERVICE_RE = re.compile(r"^[a-z][a-z0-9-]*$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")

ACCOUNT_ROOT = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
# Everything needed to manage the key, nothing that encrypts or decrypts with it.
ADMIN_ACTIONS = [
    kms.CancelKeyDeletion,
    kms.CreateAlias,
    kms.DeleteAlias,
    kms.DescribeKey,
    kms.DisableKey,
    kms.DisableKeyRotation,
    kms.EnableKey,
    kms.EnableKeyRotation,
    kms.GetKeyPolicy,
    kms.GetKeyRotationStatus,
    kms.ListAliases,
    kms.ListGrants,
    kms.ListKeyPolicies,
    kms.ListKeyRotations,
    kms.ListResourceTags,
    kms.PutKeyPolicy,
    kms.RevokeGrant,
    kms.RotateKeyOnDemand,
    kms.ScheduleKeyDeletion,
    kms.TagResource,
    kms.UntagResource,
    kms.UpdateAlias,
    kms.UpdateKeyDescription,
]
DECRYPT_ACTIONS = [kms.Decrypt, kms.DescribeKey]
ENCRYPT_DECRYPT_ACTIONS = [
    kms.Decrypt,
    kms.DescribeKey,
    kms.Encrypt,
    kms.GenerateDataKey,
    kms.GenerateDataKeyWithoutPlaintext,
    kms.ReEncryptFrom,
    kms.ReEncryptTo,
]
# Services such as RDS and EBS keep using the key through grants they create for the
# resource; GrantIsForAWSResource limits those grants to AWS services acting for a resource.
GRANT_ACTIONS = [kms.CreateGrant, kms.ListGrants, kms.RevokeGrant]


class KeyUsage(BlueprintVars):
    """One usage grant. Either `via_service` (the account's IAM principals, or only the listed
    `principals`, through that service) or `service_principal` (a service itself)."""

    via_service: str | None = None  # e.g. rds, secretsmanager, s3: kms:ViaService
    principals: list[DeployStr] = Field(default_factory=list)  # IAM role/user ARNs
    service_principal: str | None = None  # e.g. logs, sns: <name>.amazonaws.com
    access: Literal["decrypt", "encrypt_decrypt"] = "encrypt_decrypt"
    sid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]+$")

    @field_validator("via_service", "service_principal")
    @classmethod
    def _service_name(cls, value: str | None) -> str | None:
        if value is not None and not SERVICE_RE.match(value):
            raise ValueError(
                f"{value!r} is not a service name like rds or secretsmanager "
                "(without .amazonaws.com)"
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> KeyUsage:
        for index, principal in enumerate(self.principals):
            if isinstance(principal, str) and not ROLE_ARN_RE.match(principal):
                raise VarError(f"{principal!r} is not an IAM role or user ARN", "principals", index)
        if self.service_principal is not None:
            if self.via_service is not None or self.principals:
                raise VarError(
                    "service_principal stands alone; give via_service/principals in their "
                    "own entry",
                    "service_principal",
                )
        elif self.via_service is None and not self.principals:
            raise VarError(
                "give via_service (e.g. rds), principals, or service_principal: a grant to "
                "every principal of the account is what the administration statement avoids",
                "via_service",
            )
        return self


class KmsKeyVars(BlueprintVars):
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")  # default: stack
    description: str = ""
    usage: list[KeyUsage] = Field(default_factory=list)
    pending_window_days: int = Field(default=30, ge=7, le=30)
    rotation_period_days: int | None = Field(default=None, ge=90, le=2560)  # None: 365

    @model_validator(mode="after")
    def _unique_sids(self) -> KmsKeyVars:
        sids = [u.sid for u in self.usage if u.sid]
        for index, usage in enumerate(self.usage):
            if usage.sid and sids.count(usage.sid) > 1:
                raise VarError(f"sid {usage.sid!r} is used twice", "usage", index, "sid")
        return self


class KmsKey(Blueprint):
    description = "Customer-managed KMS key: rotation on, scoped key policy, alias"
    Vars = KmsKeyVars
    outputs = {
        "KeyArn": "ARN of the key (for KmsKeyId properties and IAM policies)",
        "KeyId": "Id of the key",
        "AliasName": "Alias of the key (alias/<project>-<env>-<app>-<name>)",
    }
    vars: KmsKeyVars

    def build(self):
        v = self.vars
        t = self.template
        alias_name = "alias/" + self.context.physical_name(v.name)
        t.set_description(f"{self.context.stack_id}: KMS key {alias_name}")
        props: dict[str, Any] = {
            "Description": v.description or f"{self.context.stack_id} ({alias_name})",
            "EnableKeyRotation": True,
            "PendingWindowInDays": v.pending_window_days,
            "KeyPolicy": policy_document(
                [
                    self._administration(),
                    *(s for i, u in enumerate(v.usage) for s in self._usage(i, u)),
                ]
            ),
        }
        if v.rotation_period_days is not None:
            props["RotationPeriodInDays"] = v.rotation_period_days
        key = t.add_resource(protect(tkms.Key("Key", **props), self.context.production))
        alias = t.add_resource(tkms.Alias("Alias", AliasName=alias_name, TargetKeyId=Ref(key)))
        self.output("KeyArn", GetAtt(key, "Arn"))
        self.output("KeyId", Ref(key))
        self.output("AliasName", Ref(alias))
        return t

    @staticmethod
    def _administration() -> Statement:
        """The account (through IAM) manages the key; without it the key could be orphaned."""
        return Statement(
            Sid="AdministerThroughIam",
            Effect=Allow,
            Principal=Principal("AWS", ACCOUNT_ROOT),
            Action=ADMIN_ACTIONS,
            Resource=["*"],  # in a key policy "*" means this key
        )

    def _usage(self, index: int, usage: KeyUsage) -> list[Statement]:
        """The statements of one usage entry (a second one for AWS-resource grants)."""
        actions = DECRYPT_ACTIONS if usage.access == "decrypt" else ENCRYPT_DECRYPT_ACTIONS
        sid = usage.sid or f"Use{index + 1}"
        if usage.service_principal is not None:
            return [
                Statement(
                    Sid=sid,
                    Effect=Allow,
                    Principal=Principal("Service", self._service_host(usage.service_principal)),
                    Action=list(actions),
                    Resource=["*"],
                    Condition=self._confused_deputy(usage.service_principal),
                )
            ]
        principal = Principal("AWS", list(usage.principals) or [ACCOUNT_ROOT])
        conditions: dict[str, Any] = {"kms:CallerAccount": Ref("AWS::AccountId")}
        if usage.via_service is not None:
            conditions["kms:ViaService"] = Sub(
                f"{usage.via_service}.${{AWS::Region}}.amazonaws.com"
            )
        found = [
            Statement(
                Sid=sid,
                Effect=Allow,
                Principal=principal,
                Action=list(actions),
                Resource=["*"],
                Condition=Condition(StringEquals(conditions)),
            )
        ]
        if usage.via_service is not None and usage.access == "encrypt_decrypt":
            found.append(
                Statement(
                    Sid=f"{sid}Grants",
                    Effect=Allow,
                    Principal=principal,
                    Action=list(GRANT_ACTIONS),
                    Resource=["*"],
                    Condition=Condition(
                        [StringEquals(conditions), Bool({"kms:GrantIsForAWSResource": True})]
                    ),
                )
            )
        return found

    @staticmethod
    def _service_host(service: str) -> Any:
        """CloudWatch Logs is the one service whose key-policy principal is regional.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        """
        if service == "logs":
            return Sub("logs.${AWS::Region}.amazonaws.com")
        return f"{service}.amazonaws.com"

    @staticmethod
    def _confused_deputy(service: str) -> Condition:
        """Only on behalf of this account. CloudWatch Logs states the log group in the
        encryption context instead of sending aws:SourceAccount (same doc as above)."""
        if service == "logs":
            return Condition(
                ArnLike(
                    {
                        "kms:EncryptionContext:aws:logs:arn": Sub(
                            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
                        )
                    }
                )
            )
        return Condition(StringEquals({"aws:SourceAccount": Ref("AWS::AccountId")}))

"""An S3 bucket with the secure defaults built in, lifecycle rules and Lambda notifications."""

from __future__ import annotations

import re
from typing import Any, Literal

from awacs import s3 as awss3
from awacs.aws import (
    Allow,
    Bool,
    BoolIfExists,
    Condition,
    Deny,
    Principal,
    Statement,
    StringEquals,
    StringLike,
    StringNotEquals,
)
from pydantic import Field, ValidationInfo, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, Sub, awslambda, s3

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    BuildContext,
    DeployStr,
    VarError,
    build_context,
)
from infragen.blueprints.helpers.invoke import invoke_permission
from infragen.blueprints.helpers.role import policy_document
from infragen.blueprints.helpers.stateful import protect

S3Event = Literal[
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRestore:Completed",
]
# "<name>-<12-digit account id>" must fit S3's 63 characters.
ACCOUNT_SUFFIX = 13
# S3 moves an object to Glacier only after 30 days in STANDARD_IA.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
IA_MIN_DAYS = 30
CORS_ORIGIN_RE = re.compile(r"^https?://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$")


class LifecycleRule(BlueprintVars):
    id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    prefix: str = ""
    expire_days: int | None = Field(default=None, ge=1)
    noncurrent_expire_days: int | None = Field(default=None, ge=1)
    transition_to_ia_days: int | None = Field(default=None, ge=30)
    transition_to_glacier_days: int | None = Field(default=None, ge=1)  # Glacier Flexible Retrieval
    abort_incomplete_multipart_days: int | None = Field(default=7, ge=1)

    @model_validator(mode="after")
    def _does_something(self) -> LifecycleRule:
        for field in ("transition_to_ia_days", "transition_to_glacier_days"):
            days = getattr(self, field)
            if self.expire_days is not None and days is not None and days >= self.expire_days:
                raise VarError(f"{field} must come before expire_days", field)
        ia, glacier = self.transition_to_ia_days, self.transition_to_glacier_days
        if ia is not None and glacier is not None and glacier < ia + IA_MIN_DAYS:
            raise VarError(
                f"transition_to_glacier_days must be at least {IA_MIN_DAYS} days after "
                f"transition_to_ia_days ({ia}): S3 keeps objects in STANDARD_IA that long",
                "transition_to_glacier_days",
            )
        return self


class CorsRule(BlueprintVars):
    """Browsers on `allowed_origins` may call the bucket, e.g. PUT to a pre-signed URL."""

    allowed_origins: list[str] = Field(min_length=1)  # scheme://host[:port], never "*"
    allowed_methods: list[Literal["GET", "PUT", "POST", "HEAD", "DELETE"]] = Field(min_length=1)
    allowed_headers: list[str] = Field(default_factory=list)
    max_age_seconds: int = Field(default=3000, ge=0)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for index, origin in enumerate(origins):
            if not CORS_ORIGIN_RE.match(origin):
                raise VarError(
                    f"{origin!r} is not an origin such as https://app.example.com (no '*', "
                    "no path)",
                    index,
                )
        return origins


class LambdaNotification(BlueprintVars):
    function_arn: DeployStr
    events: list[S3Event] = Field(default_factory=lambda: ["s3:ObjectCreated:*"], min_length=1)
    prefix: str = ""
    suffix: str = ""


class CloudFrontRead(BlueprintVars):
    """CloudFront distributions may read objects through their Origin Access Control.

    `distribution_arns` pins the grant to those distributions. Left empty, any distribution of
    this account may read (still only through an OAC, which signs as the CloudFront service):
    the usual case, because a distribution needs its bucket first, so the bucket's stack
    cannot take the distribution's ARN without a dependency cycle.
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
    """

    distribution_arns: list[DeployStr] = Field(default_factory=list)


class S3BucketVars(BlueprintVars):
    # Physical name: {project}-{env}-{app}-{name}-{account id}; default name: the stack name.
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    encryption: Literal["AES256", "aws:kms"] = "AES256"
    kms_key_arn: DeployStr | None = None
    lifecycle_rules: list[LifecycleRule] = Field(default_factory=list)
    notifications: list[LambdaNotification] = Field(default_factory=list)
    # Serve the bucket through CloudFront (the cdn blueprint's S3 origins).
    cloudfront_read: CloudFrontRead | None = None
    # Deny every principal of another account (AWS services acting for this one excepted),
    # whatever a grant elsewhere says: no cross-account access to the data.
    deny_other_accounts: bool = False
    cors: list[CorsRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _kms(self) -> S3BucketVars:
        if (self.encryption == "aws:kms") != (self.kms_key_arn is not None):
            raise VarError(
                "kms_key_arn goes with encryption: aws:kms, and only with it", "encryption"
            )
        return self

    @model_validator(mode="after")
    def _name_fits(self, info: ValidationInfo) -> S3BucketVars:
        context = build_context(info)
        if context is not None:
            name = bucket_name(context, self)
            if len(name) + ACCOUNT_SUFFIX > 63:
                raise VarError(
                    f"bucket name {name}-<account id> is over S3's 63 characters; set a "
                    "shorter `name`",
                    "name",
                )
        return self


def bucket_name(context: BuildContext, vars: S3BucketVars) -> str:
    """Without the account suffix; deterministic so other stacks can name it in advance."""
    return context.physical_name(vars.name)


class S3Bucket(Blueprint):
    """Encrypted, versioned, private, TLS-only, owner-enforced; optionally notifies Lambdas."""

    description = "S3 bucket: SSE, public access blocked, TLS-only policy, versioning, events"
    Vars = S3BucketVars
    outputs = {
        "BucketName": "Name of the bucket",
        "BucketArn": "ARN of the bucket",
        "ObjectsArn": "ARN pattern of every object in the bucket (<bucket arn>/*)",
    }
    vars: S3BucketVars

    @property
    def bucket_name(self) -> str:
        return bucket_name(self.context, self.vars)

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: S3 bucket {self.bucket_name}-<account>")
        full_name = Sub(self.bucket_name + "-${AWS::AccountId}")
        permissions = [self._permission(i, n) for i, n in enumerate(v.notifications)]
        bucket = s3.Bucket(
            "Bucket",
            BucketName=full_name,
            BucketEncryption=self._encryption(),
            PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=s3.OwnershipControls(
                Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
            VersioningConfiguration=s3.VersioningConfiguration(Status="Enabled"),
        )
        if v.cors:
            bucket.CorsConfiguration = s3.CorsConfiguration(
                CorsRules=[self._cors(index, rule) for index, rule in enumerate(v.cors)]
            )
        if v.lifecycle_rules:
            bucket.LifecycleConfiguration = s3.LifecycleConfiguration(
                Rules=[self._lifecycle(rule) for rule in v.lifecycle_rules]
            )
        if v.notifications:
            bucket.NotificationConfiguration = s3.NotificationConfiguration(
                LambdaConfigurations=[c for n in v.notifications for c in self._notification(n)]
            )
            # S3 test-invokes each function when notifications are saved: the permission must
            # exist first. Naming the bucket in advance breaks the usual cycle.
            bucket.DependsOn = [p.title for p in permissions]
        protect(bucket, self.context.production)
        t.add_resource(bucket)
        self._tls_only(bucket)
        self.output("BucketName", Ref(bucket))
        self.output("BucketArn", GetAtt(bucket, "Arn"))
        self.output("ObjectsArn", Join("", [GetAtt(bucket, "Arn"), "/*"]))
        return t

    def _encryption(self) -> s3.BucketEncryption:
        default: dict[str, Any] = {"SSEAlgorithm": self.vars.encryption}
        if self.vars.kms_key_arn is not None:
            default["KMSMasterKeyID"] = self.vars.kms_key_arn
        return s3.BucketEncryption(
            ServerSideEncryptionConfiguration=[
                s3.ServerSideEncryptionRule(
                    ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(**default),
                    BucketKeyEnabled=self.vars.encryption == "aws:kms",
                )
            ]
        )

    def _lifecycle(self, rule: LifecycleRule) -> s3.LifecycleRule:
        props: dict[str, Any] = {"Id": rule.id, "Status": "Enabled"}
        if rule.prefix:
            props["Prefix"] = rule.prefix
        if rule.expire_days is not None:
            props["ExpirationInDays"] = rule.expire_days
        if rule.noncurrent_expire_days is not None:
            props["NoncurrentVersionExpiration"] = s3.NoncurrentVersionExpiration(
                NoncurrentDays=rule.noncurrent_expire_days
            )
        transitions = [
            s3.LifecycleRuleTransition(StorageClass=storage_class, TransitionInDays=days)
            for storage_class, days in (
                ("STANDARD_IA", rule.transition_to_ia_days),
                ("GLACIER", rule.transition_to_glacier_days),
            )
            if days is not None
        ]
        if transitions:
            props["Transitions"] = transitions
        if rule.abort_incomplete_multipart_days is not None:
            props["AbortIncompleteMultipartUpload"] = s3.AbortIncompleteMultipartUpload(
                DaysAfterInitiation=rule.abort_incomplete_multipart_days
            )
        return s3.LifecycleRule(**props)

    @staticmethod
    def _cors(index: int, rule: CorsRule) -> s3.CorsRules:
        props: dict[str, Any] = {
            "Id": f"cors-{index + 1}",
            "AllowedOrigins": list(rule.allowed_origins),
            "AllowedMethods": list(rule.allowed_methods),
            "MaxAge": rule.max_age_seconds,
        }
        if rule.allowed_headers:
            props["AllowedHeaders"] = list(rule.allowed_headers)
        return s3.CorsRules(**props)

    def _permission(self, index: int, notification: LambdaNotification) -> awslambda.Permission:
        return invoke_permission(
            self.template,
            f"NotificationPermission{index + 1}",
            function=notification.function_arn,
            principal="s3.amazonaws.com",
            source_arn=Sub("arn:${AWS::Partition}:s3:::" + self.bucket_name + "-${AWS::AccountId}"),
        )

    def _notification(self, notification: LambdaNotification) -> list[s3.LambdaConfigurations]:
        rules = []
        if notification.prefix:
            rules.append(s3.Rules(Name="prefix", Value=notification.prefix))
        if notification.suffix:
            rules.append(s3.Rules(Name="suffix", Value=notification.suffix))
        configs = []
        for event in notification.events:
            config = s3.LambdaConfigurations(Event=event, Function=notification.function_arn)
            if rules:
                config.Filter = s3.Filter(S3Key=s3.S3Key(Rules=rules))
            configs.append(config)
        return configs

    def _tls_only(self, bucket: s3.Bucket) -> None:
        arn = GetAtt(bucket, "Arn")
        self.template.add_resource(
            s3.BucketPolicy(
                "BucketPolicy",
                Bucket=Ref(bucket),
                PolicyDocument=policy_document(
                    [
                        Statement(
                            Sid="DenyInsecureTransport",
                            Effect=Deny,
                            Principal=Principal("*"),
                            Action=[awss3.Action("*")],
                            Resource=[arn, Join("", [arn, "/*"])],
                            Condition=Condition(Bool("aws:SecureTransport", "false")),
                        ),
                        *self._deny_other_accounts(arn),
                        *self._cloudfront_read(arn),
                    ]
                ),
            )
        )

    def _deny_other_accounts(self, arn: Any) -> list[Statement]:
        """Other accounts' principals get nothing, even with a grant of their own; AWS
        services (CloudFront through an OAC, replication) are judged by their own grants."""
        if not self.vars.deny_other_accounts:
            return []
        return [
            Statement(
                Sid="DenyOtherAccounts",
                Effect=Deny,
                Principal=Principal("*"),
                Action=[awss3.Action("*")],
                Resource=[arn, Join("", [arn, "/*"])],
                Condition=Condition(
                    [
                        StringNotEquals("aws:PrincipalAccount", Ref("AWS::AccountId")),
                        BoolIfExists("aws:PrincipalIsAWSService", "false"),
                    ]
                ),
            )
        ]

    def _cloudfront_read(self, arn: Any) -> list[Statement]:
        """s3:GetObject for the CloudFront service, only on behalf of the named distributions
        (or this account's); one policy per bucket, so the grant lives here."""
        grant = self.vars.cloudfront_read
        if grant is None:
            return []
        if grant.distribution_arns:
            source = StringEquals("AWS:SourceArn", list(grant.distribution_arns))
        else:
            source = StringLike(
                "AWS:SourceArn",
                Sub("arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"),
            )
        return [
            Statement(
                Sid="AllowCloudFrontRead",
                Effect=Allow,
                Principal=Principal("Service", "cloudfront.amazonaws.com"),
                Action=[awss3.GetObject],
                Resource=[Join("", [arn, "/*"])],
                Condition=Condition(source),
            )
        ]

"""A Lambda function from a zip in S3 or a container image in ECR, with its log group, role,
security group and alarms."""

from __future__ import annotations

import re
from typing import Any, Literal

from awacs import logs as awslogs
from awacs import xray
from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Join, Ref, awslambda

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    DeployStr,
    OutputSpec,
    SubnetIdsValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.alarm import AlarmSpec
from infragen.blueprints.helpers.container import SecretRef, read_statements, secret_in_plain_env
from infragen.blueprints.helpers.log_group import RetentionDays, log_group
from infragen.blueprints.helpers.policy import Permission, managed_policy_arn, statements
from infragen.blueprints.helpers.role import allow, service_role
from infragen.blueprints.helpers.rule_vars import IngressGrant, RuleVars, grant_ingress
from infragen.blueprints.helpers.security_group import security_group

# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (supported, not deprecated)
Runtime = Literal[
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "java17",
    "java21",
    "dotnet8",
    "ruby3.3",
    "provided.al2023",
]

ENV_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Lambda sets these itself and refuses them in Environment.Variables.
RESERVED_ENV_KEYS = frozenset(
    {
        "_HANDLER",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


class ZipCode(BlueprintVars):
    s3_bucket: DeployStr
    s3_key: DeployStr
    runtime: Runtime
    handler: str = Field(min_length=1)


class ImageCode(BlueprintVars):
    """ImageUri is `repository_uri:tag`; give the URI as `!stack_output app/ecr::RepositoryUri`."""

    repository_uri: DeployStr
    tag: DeployStr
    command: list[str] = Field(default_factory=list)


class VpcSettings(BlueprintVars):
    vpc_id: VpcIdValue
    subnet_ids: SubnetIdsValue
    egress: list[RuleVars] = Field(default_factory=list)
    grant_ingress: list[IngressGrant] = Field(default_factory=list)


class LambdaAlarms(BlueprintVars):
    errors_threshold: int | None = Field(default=None, ge=0)
    duration_threshold_ms: int | None = Field(default=None, ge=1)
    throttles_threshold: int | None = Field(default=None, ge=0)
    period_seconds: int = Field(default=300, ge=60)
    actions: list[DeployStr] = Field(default_factory=list)


class LambdaFunctionVars(BlueprintVars):
    exactly_one_of = (("zip", "image"),)

    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    zip: ZipCode | None = None
    image: ImageCode | None = None
    memory_mb: int = 128
    timeout_seconds: int = 3
    architecture: Literal["x86_64", "arm64"] = "x86_64"
    ephemeral_storage_mb: int = Field(default=512, ge=512, le=10240)
    reserved_concurrency: int | None = Field(default=None, ge=0)
    environment: dict[str, DeployStr] = Field(default_factory=dict)
    # Secrets Manager secrets by ARN: each becomes an environment variable holding the ARN (never
    # the value, which GetFunctionConfiguration would show in clear), and a role this stack
    # builds may read exactly these secrets (plus kms:Decrypt on secrets_kms_key_arns). The
    # function reads the value at run time (SDK or the Parameters and Secrets Lambda extension).
    secrets: dict[str, SecretRef] = Field(default_factory=dict)
    secrets_kms_key_arns: list[DeployStr] = Field(default_factory=list)
    # Removed: it put secret values into the function's configuration. Kept to say so, located.
    secret_environment: dict[str, Any] = Field(default_factory=dict)
    tracing: Literal["Active", "PassThrough"] = "Active"
    log_retention_days: RetentionDays = 30
    # Use a role from another stack (seed 002 keeps it apart), or let this stack build one.
    role_arn: DeployStr | None = None
    policy: list[Permission] = Field(default_factory=list)
    managed_policies: list[str] = Field(default_factory=list)
    vpc: VpcSettings | None = None
    alarms: LambdaAlarms | None = None

    @field_validator("memory_mb")
    @classmethod
    def _memory(cls, value: int) -> int:
        if not 128 <= value <= 10240:
            raise ValueError(f"memory_mb {value} is outside Lambda's 128-10240 MB")
        return value

    @field_validator("timeout_seconds")
    @classmethod
    def _timeout(cls, value: int) -> int:
        if not 1 <= value <= 900:
            raise ValueError(f"timeout_seconds {value} is outside Lambda's 1-900 s")
        return value

    @field_validator("environment", "secrets")
    @classmethod
    def _env_keys(cls, env: dict[str, Any]) -> dict[str, Any]:
        for key in env:
            if not ENV_KEY_RE.match(key):
                raise VarError(f"{key!r} is not a valid environment variable name", key)
            if key in RESERVED_ENV_KEYS:
                raise VarError(f"{key} is reserved by the Lambda runtime", key)
        return env

    @field_validator("secret_environment")
    @classmethod
    def _no_secret_values(cls, env: dict[str, Any]) -> dict[str, Any]:
        for key in env:
            raise VarError(
                f"{key}: a secret's value in a Lambda environment variable is shown in clear by "
                "GetFunctionConfiguration; give the secret's ARN under `secrets:` instead (the "
                "function reads the value at run time, and the role may read that secret)",
                key,
                at_key=True,
            )
        return env

    @field_validator("environment")
    @classmethod
    def _no_secret_in_plain_env(cls, env: dict[str, Any]) -> dict[str, Any]:
        for key, value in env.items():
            problem = secret_in_plain_env(key, value)
            if problem is not None:
                raise VarError(f"{problem}; give the secret's ARN under `secrets:`", key)
        return env

    @field_validator("secrets")
    @classmethod
    def _whole_secrets(cls, secrets: dict[str, SecretRef]) -> dict[str, SecretRef]:
        for key, ref in secrets.items():
            if ref.json_key is not None:
                raise VarError(
                    "a function reads the whole secret at run time: drop json_key and pick the "
                    "key in code",
                    key,
                    "json_key",
                )
        return secrets

    @model_validator(mode="after")
    def _consistent(self) -> LambdaFunctionVars:
        if self.role_arn is not None and (self.policy or self.managed_policies):
            raise VarError(
                "role_arn uses an existing role; policy and managed_policies would be ignored",
                "policy" if self.policy else "managed_policies",
            )
        shared = set(self.environment) & set(self.secrets)
        if shared:
            raise VarError(
                f"{', '.join(sorted(shared))} is both in environment and secrets", "secrets"
            )
        if self.role_arn is not None and self.secrets_kms_key_arns:
            raise VarError(
                "role_arn uses an existing role: grant kms:Decrypt there; "
                "secrets_kms_key_arns would be ignored",
                "secrets_kms_key_arns",
            )
        if self.alarms and self.alarms.duration_threshold_ms is not None:
            limit = self.timeout_seconds * 1000
            if self.alarms.duration_threshold_ms >= limit:
                raise VarError(
                    f"duration_threshold_ms {self.alarms.duration_threshold_ms} never fires "
                    f"before the {limit} ms timeout",
                    "alarms",
                    "duration_threshold_ms",
                )
        return self


# The alarms `alarms:` can switch on, each by its threshold.
ALARMS = (
    AlarmSpec(
        "ErrorsAlarm",
        metric="Errors",
        statistic="Sum",
        threshold_var="errors_threshold",
        description="{subject}: more than {threshold} errors in {minutes} minutes",
    ),
    AlarmSpec(
        "DurationAlarm",
        metric="Duration",
        statistic="Maximum",
        threshold_var="duration_threshold_ms",
        description="{subject}: an invocation took over {threshold} ms (near the {timeout} s "
        "timeout)",
    ),
    AlarmSpec(
        "ThrottlesAlarm",
        metric="Throttles",
        statistic="Sum",
        threshold_var="throttles_threshold",
        description="{subject}: more than {threshold} throttled invocations in {minutes} minutes",
    ),
)


class LambdaFunction(Blueprint):
    """One function: code, log group with retention, role, optional VPC placement, alarms."""

    description = "Lambda function (zip or image) with log group, role, security group, alarms"
    Vars = LambdaFunctionVars
    outputs = {
        "FunctionArn": "ARN of the function",
        "FunctionName": "Name of the function",
        "LogGroupName": "The function's log group",
        "RoleArn": OutputSpec(
            "ARN of the execution role (when this stack builds it)",
            when=lambda v: v.role_arn is None,
        ),
        "SecurityGroupId": OutputSpec(
            "The function's security group (when it runs in a VPC)",
            when=lambda v: v.vpc is not None,
        ),
    }
    vars: LambdaFunctionVars

    @property
    def function_name(self) -> str:
        return self.context.physical_name(self.vars.name)

    def build(self):
        v = self.vars
        t = self.template
        package = "image" if v.image else f"zip, {v.zip.runtime}"  # type: ignore[union-attr]
        t.set_description(
            f"{self.context.stack_id}: Lambda {self.function_name} ({package}, "
            f"{v.memory_mb} MB, {v.timeout_seconds} s)"
        )
        group = log_group(
            t,
            "LogGroup",
            name=f"/aws/lambda/{self.function_name}",
            retention_days=v.log_retention_days,
            production=self.context.production,
        )
        role_arn = v.role_arn if v.role_arn is not None else GetAtt(self._role(group), "Arn")
        sg = self._security_group() if v.vpc else None
        function = t.add_resource(self._function(role_arn, group, sg))
        if v.alarms:
            self._alarms(function)
        self._outputs(function, group, role_arn, sg)
        return t

    def _role(self, group: Any) -> Any:
        v = self.vars
        own = [
            allow([awslogs.CreateLogStream, awslogs.PutLogEvents], [GetAtt(group, "Arn")]),
        ]
        if v.tracing == "Active":
            # X-Ray ingestion has no resource-level permissions.
            own.append(allow([xray.PutTraceSegments, xray.PutTelemetryRecords], ["*"]))
        managed = [managed_policy_arn(m) for m in v.managed_policies]
        if v.vpc is not None and "AWSLambdaVPCAccessExecutionRole" not in v.managed_policies:
            # Lambda checks at create time that the role may manage its ENIs.
            managed.append(managed_policy_arn("AWSLambdaVPCAccessExecutionRole"))
        return service_role(
            self.template,
            "Role",
            services=["lambda.amazonaws.com"],
            statements=own
            + read_statements(list(v.secrets.values()), list(v.secrets_kms_key_arns))
            + statements(v.policy, self.context),
            managed_policy_arns=managed,
            description=f"Execution role of {self.function_name}",
        )

    def _security_group(self) -> Any:
        vpc = self.vars.vpc
        assert vpc is not None
        group = security_group(
            self.template,
            "SecurityGroup",
            description=f"{self.function_name}: egress only as listed",
            vpc_id=vpc.vpc_id,
            egress=[rule.rule() for rule in vpc.egress],
        )
        grant_ingress(self.template, vpc.grant_ingress, source_sg=Ref(group))
        return group

    def _function(self, role_arn: Any, group: Any, sg: Any) -> awslambda.Function:
        v = self.vars
        props: dict[str, Any] = {
            "FunctionName": self.function_name,
            "Role": role_arn,
            "MemorySize": v.memory_mb,
            "Timeout": v.timeout_seconds,
            "Architectures": [v.architecture],
            "TracingConfig": awslambda.TracingConfig(Mode=v.tracing),
            "LoggingConfig": awslambda.LoggingConfig(LogGroup=Ref(group)),
        }
        if v.description:
            props["Description"] = v.description
        if v.ephemeral_storage_mb != 512:
            props["EphemeralStorage"] = awslambda.EphemeralStorage(Size=v.ephemeral_storage_mb)
        if v.image is not None:
            props["PackageType"] = "Image"
            props["Code"] = awslambda.Code(
                ImageUri=Join("", [v.image.repository_uri, ":", v.image.tag])
            )
            if v.image.command:
                props["ImageConfig"] = awslambda.ImageConfig(Command=list(v.image.command))
        else:
            assert v.zip is not None
            props["PackageType"] = "Zip"
            props["Code"] = awslambda.Code(S3Bucket=v.zip.s3_bucket, S3Key=v.zip.s3_key)
            props["Runtime"] = v.zip.runtime
            props["Handler"] = v.zip.handler
        if v.reserved_concurrency is not None:
            props["ReservedConcurrentExecutions"] = v.reserved_concurrency
        variables = {**v.environment, **{k: ref.value_from() for k, ref in v.secrets.items()}}
        if variables:
            props["Environment"] = awslambda.Environment(
                Variables={k: variables[k] for k in sorted(variables)}
            )
        if v.vpc is not None:
            props["VpcConfig"] = awslambda.VPCConfig(
                SubnetIds=v.vpc.subnet_ids, SecurityGroupIds=[Ref(sg)]
            )
        return awslambda.Function("Function", **props)

    def _alarms(self, function: awslambda.Function) -> None:
        settings = self.vars.alarms
        self.add_alarms(
            ALARMS,
            settings,
            subject=self.function_name,
            namespace="AWS/Lambda",
            dimensions={"FunctionName": Ref(function)},
            period=settings.period_seconds,  # type: ignore[union-attr]
            timeout=self.vars.timeout_seconds,
        )

    def _outputs(self, function: Any, group: Any, role_arn: Any, sg: Any) -> None:
        self.output("FunctionArn", GetAtt(function, "Arn"))
        self.output("FunctionName", Ref(function))
        self.output("LogGroupName", Ref(group))
        if self.vars.role_arn is None:
            self.output("RoleArn", role_arn)
        if sg is not None:
            self.output("SecurityGroupId", GetAtt(sg, "GroupId"))

"""What every container platform (ECS Fargate, App Runner) takes the same way: an ECR image
whose tag is known at deploy time, and secrets handed over by ARN.

The image is `repository_uri:tag`, with the tag a deploy-time value (`!env IMAGE_TAG`), and
whoever pulls it may pull from that one repository only. Secrets are read by the platform when
a container starts; the template never holds a value. ECS (`Secrets[].ValueFrom`) and App
Runner (`RuntimeEnvironmentSecrets[].Value`) both take a Secrets Manager ARN, optionally
followed by `:<json-key>:<version-stage>:<version-id>` to pick one key of a JSON secret. A var
gives the ARN (literal, or `!stack_output` of the stack that owns the secret) and the key
apart, so the role that reads it is scoped to exactly that secret.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html

A literal ARN may name the secret by its name alone (seed 004's `tsdevstack/<env>/kong/...`):
its partition, region and account may be `${AWS::Partition}`, `${AWS::Region}`,
`${AWS::AccountId}` (rendered through `!Sub`), and `{project}`, `{env}`, `{app}` are filled in.
Such a partial ARN lacks the `-` + six random characters Secrets Manager appends to the name,
so the role that reads it is granted `<arn>-??????`, AWS's documented pattern for that suffix:
https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
"""

from __future__ import annotations

import re
from typing import Any

from awacs import ecr, kms, secretsmanager
from awacs.aws import Condition, StringEquals
from pydantic import Field, ValidationInfo, model_validator
from troposphere import Join, Sub

from infragen.blueprints.base import BlueprintVars, DeployStr, VarError, build_context
from infragen.blueprints.helpers.policy import fill_placeholders
from infragen.blueprints.helpers.role import allow
from infragen.config.tags import EnvTag
from infragen.facts.secrets import DYNAMIC_SECRET_PREFIXES, looks_secret

SECRET_ARN_RE = re.compile(
    r"^arn:(aws[a-z-]*|\$\{AWS::Partition\}):secretsmanager:([a-z0-9-]+|\$\{AWS::Region\}):"
    r"(\d{12}|\$\{AWS::AccountId\}):secret:[^:\s]+$"
)
# What Secrets Manager appends to a secret's name in its ARN; without it the ARN is partial.
# AWS advises against names that end like this themselves, as they read as complete ARNs.
COMPLETE_ARN_SUFFIX_RE = re.compile(r"-[A-Za-z0-9]{6}$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HOW = "give the secret's ARN (e.g. `!stack_output app/secret::SecretArn`), never its value"


class ContainerImage(BlueprintVars):
    """`repository_uri:tag`, like lambda-function's image; give the URI and ARN as
    `!stack_output app/ecr::RepositoryUri` / `::RepositoryArn` and the tag as `!env NAME`."""

    repository_uri: DeployStr
    tag: DeployStr
    # Scopes the ECR pull to this repository.
    repository_arn: DeployStr

    def uri(self) -> Any:
        return Join("", [self.repository_uri, ":", self.tag])

    def pull_statements(self) -> list[Any]:
        """Pull this image: an ECR token (no resource-level permissions) and its layers."""
        return [
            allow([ecr.GetAuthorizationToken], ["*"], sid="EcrToken"),
            allow(
                [ecr.BatchCheckLayerAvailability, ecr.GetDownloadUrlForLayer, ecr.BatchGetImage],
                [self.repository_arn],
                sid="EcrPull",
            ),
        ]


class SecretRef(BlueprintVars):
    """A Secrets Manager secret by ARN; `json_key` picks one key of a JSON secret.

    Written as the ARN alone (`DB_URL: arn:...`) or as `{arn: ..., json_key: password}`.
    """

    arn: DeployStr
    json_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.+=@/-]+$")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any, info: ValidationInfo) -> Any:
        context = build_context(info)
        if isinstance(value, dict):
            arn = value.get("arn")
            if isinstance(arn, str):
                _check_arn(arn, "arn")
                if context is not None:
                    value = {**value, "arn": fill_placeholders(arn, context)}
            return value
        if isinstance(value, str):
            _check_arn(value)
            if context is not None:
                value = fill_placeholders(value, context)
        return {"arn": value}

    def value_from(self) -> Any:
        """What ECS `ValueFrom` / App Runner `Value` takes: the ARN, with `:key::` if any."""
        if self.json_key is None:
            return _sub(self.arn)
        if isinstance(self.arn, str) and "${" in self.arn:
            return Sub(f"{self.arn}:{self.json_key}::")
        return Join("", [self.arn, f":{self.json_key}::"])

    def policy_resource(self) -> Any:
        """The ARN a role is granted: a partial (by-name) literal ARN gets its suffix pattern."""
        if isinstance(self.arn, str) and not COMPLETE_ARN_SUFFIX_RE.search(self.arn):
            return _sub(self.arn + "-??????")
        return _sub(self.arn)

    def dynamic_reference(self) -> Any:
        """`{{resolve:secretsmanager:<arn>[:SecretString:<key>]}}`, for a property CloudFormation
        fills from the secret at deploy time (never in the template, never a parameter).
        https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
        """
        key = f":SecretString:{self.json_key}" if self.json_key else ""
        if isinstance(self.arn, str):
            return _sub("{{resolve:secretsmanager:" + self.arn + key + "}}")
        return Join("", ["{{resolve:secretsmanager:", self.arn, key + "}}"])


def _sub(value: Any) -> Any:
    """A literal with `${AWS::...}` pseudo parameters renders through `!Sub`."""
    return Sub(value) if isinstance(value, str) and "${" in value else value


def _check_arn(value: str, *path: str) -> None:
    if value.startswith("{{resolve:"):
        raise VarError(
            "!secret would resolve the value into the task's configuration; " + _HOW, *path
        )
    if not SECRET_ARN_RE.match(value):
        # Never echo the value: it may be the secret itself.
        raise VarError(
            "this is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:"
            f"<account>:secret:<name>); a secret must not be written in config: {_HOW}",
            *path,
        )


def check_environment(
    env: dict[str, Any], *, plain: bool, platform: str, reserved_prefix: str | None = None
) -> None:
    """Names `platform` accepts as environment variables; with `plain` (values, not secret
    ARNs) none that looks like a secret.

    A secret-looking name in plain environment would put its value in the task's (or
    service's) configuration, readable by anyone who may describe it; it belongs in `secrets`.
    Names are judged as lint rule E9702 judges them (`infragen.facts.secrets`).
    """
    for name in env:
        if not ENV_NAME_RE.match(name):
            raise VarError(
                f"{name!r} is not a valid environment variable name for {platform}", name
            )
        if reserved_prefix and name.upper().startswith(reserved_prefix):
            raise VarError(f"{name}: names starting {reserved_prefix} are {platform}'s", name)
        problem = secret_in_plain_env(name, env[name]) if plain else None
        if problem is not None:
            raise VarError(f"{problem}; give its Secrets Manager ARN under `secrets`", name)


def secret_in_plain_env(name: str, value: Any) -> str | None:
    """Why this plain environment variable would put a secret's value in the function's, task's
    or service's configuration (readable by whoever may describe it), or None.

    A secret-looking name (as lint rule E9702 judges it), `!env` of a secret-looking variable,
    or a `{{resolve:secretsmanager:...}}` (`!secret`) value, which CloudFormation resolves into
    the configuration; lint rule E9704 flags the rendered forms.
    """
    if looks_secret(name):
        return (
            f"{name} looks like a secret: plain environment values are readable in the "
            "service's configuration"
        )
    if isinstance(value, EnvTag) and looks_secret(value.name):
        return f"{value} is a secret: its value would be readable in the service's configuration"
    if isinstance(value, str) and any(prefix in value for prefix in DYNAMIC_SECRET_PREFIXES):
        return "!secret would resolve the value into the service's configuration"
    return None


def read_statements(secrets: list[SecretRef], kms_key_arns: list[Any]) -> list[Any]:
    """`secretsmanager:GetSecretValue` on exactly these secrets, `kms:Decrypt` on their keys.

    Secrets under the account's default `aws/secretsmanager` key need no KMS statement; a
    customer-managed key is named in `kms_key_arns` and may only decrypt through Secrets
    Manager.
    """
    if not secrets:
        return []
    seen: list[Any] = []
    arns: list[Any] = []
    for ref in secrets:
        if ref.arn not in seen:  # two keys of one JSON secret: one resource
            seen.append(ref.arn)
            arns.append(ref.policy_resource())
    found = [allow([secretsmanager.GetSecretValue], arns, sid="ReadSecrets")]
    if kms_key_arns:
        found.append(
            allow(
                [kms.Decrypt],
                list(kms_key_arns),
                sid="DecryptSecrets",
                Condition=Condition(
                    StringEquals(
                        "kms:ViaService", Sub("secretsmanager.${AWS::Region}.amazonaws.com")
                    )
                ),
            )
        )
    return found

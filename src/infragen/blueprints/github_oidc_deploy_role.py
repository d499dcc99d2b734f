"""A role GitHub Actions assumes with OIDC: no stored AWS keys, one repository, named refs only.

The trust policy requires the token's audience to be `sts.amazonaws.com` and its subject to be
exactly one of the listed branches or GitHub environments of one repository (StringEquals: no
wildcards, so a fork, a pull request or another branch gets nothing). Permissions are the
config's `policy` statements, checked like every other IAM statement in infragen.
https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
"""

from __future__ import annotations

import re
from typing import Any

from awacs.aws import Allow, Condition, Principal, Statement, StringEquals
from awacs.sts import AssumeRoleWithWebIdentity
from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt, Ref, iam

from infragen.blueprints.base import Blueprint, BlueprintVars, DeployStr, VarError
from infragen.blueprints.helpers.naming import short_name
from infragen.blueprints.helpers.policy import Permission, statements
from infragen.blueprints.helpers.role import policy_document

ISSUER = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# Git ref and environment names: no wildcards, no spaces, nothing IAM would read as a pattern.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"


class GithubOidcDeployRoleVars(BlueprintVars):
    repository: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")  # org/repo
    branches: list[str] = Field(default_factory=list)
    environments: list[str] = Field(default_factory=list)  # GitHub deployment environments
    # Only one provider per URL may exist in an account: the first stack creates it, the
    # others pass its ARN (this blueprint's ProviderArn output) with create_provider: false.
    create_provider: bool = True
    provider_arn: DeployStr | None = None
    max_session_hours: int = Field(default=1, ge=1, le=12)
    policy: list[Permission] = Field(min_length=1)
    description: str = ""

    @field_validator("branches", "environments")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        for index, name in enumerate(names):
            if not re.match(NAME_PATTERN, name) or ".." in name:
                raise VarError(
                    f"{name!r} is not a plain branch or environment name (no wildcards)", index
                )
        if len(set(names)) != len(names):
            raise ValueError("a name is listed twice")
        return names

    @model_validator(mode="after")
    def _consistent(self) -> GithubOidcDeployRoleVars:
        if not self.branches and not self.environments:
            raise VarError(
                "name the branches and/or environments that may deploy; a role any ref of "
                "the repository can assume would let every pull request branch deploy",
                "branches",
            )
        if self.create_provider and self.provider_arn is not None:
            raise VarError(
                "provider_arn is for create_provider: false (an existing provider)",
                "provider_arn",
            )
        if not self.create_provider and self.provider_arn is None:
            raise VarError(
                f"create_provider: false needs provider_arn (the existing provider for {ISSUER})",
                "provider_arn",
            )
        return self

    @property
    def subjects(self) -> list[str]:
        """The token `sub` claims allowed, as GitHub writes them."""
        repo = f"repo:{self.repository}"
        return [f"{repo}:ref:refs/heads/{b}" for b in self.branches] + [
            f"{repo}:environment:{e}" for e in self.environments
        ]


class GithubOidcDeployRole(Blueprint):
    description = "GitHub Actions OIDC provider and a deploy role for one repository's refs"
    Vars = GithubOidcDeployRoleVars
    outputs = {
        "RoleArn": "ARN of the deploy role (aws-actions/configure-aws-credentials role-to-assume)",
        "ProviderArn": "ARN of the GitHub OIDC identity provider",
    }
    vars: GithubOidcDeployRoleVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: GitHub OIDC deploy role for {v.repository}")
        provider_arn: Any = v.provider_arn
        if v.create_provider:
            provider = t.add_resource(
                iam.OIDCProvider(
                    "Provider",
                    Url=f"https://{ISSUER}",
                    ClientIdList=[AUDIENCE],
                    # No ThumbprintList: IAM verifies GitHub's certificate against its own
                    # trusted CAs, so a pinned thumbprint only breaks on GitHub's rotation.
                )
            )
            provider_arn = Ref(provider)
        role = t.add_resource(
            iam.Role(
                "Role",
                RoleName=short_name(self.context.physical_name(), 64),
                Description=v.description or f"GitHub Actions deploys from {v.repository}",
                MaxSessionDuration=v.max_session_hours * 3600,
                AssumeRolePolicyDocument=policy_document([self._trust(provider_arn)]),
                Policies=[
                    iam.Policy(
                        PolicyName="deploy",
                        PolicyDocument=policy_document(statements(v.policy, self.context)),
                    )
                ],
            )
        )
        self.output("RoleArn", GetAtt(role, "Arn"))
        self.output("ProviderArn", provider_arn)
        return t

    def _trust(self, provider_arn: Any) -> Statement:
        """Audience and subject both pinned; StringEquals, so no pattern ever matches more."""
        return Statement(
            Effect=Allow,
            Principal=Principal("Federated", provider_arn),
            Action=[AssumeRoleWithWebIdentity],
            Condition=Condition(
                StringEquals(
                    {
                        f"{ISSUER}:aud": AUDIENCE,
                        f"{ISSUER}:sub": self.vars.subjects,
                    }
                )
            ),
        )

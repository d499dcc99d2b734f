"""An ECR repository: scan on push, immutable tags, encrypted, lifecycle-pruned."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import Field
from troposphere import GetAtt, Ref, ecr

from infragen.blueprints.base import Blueprint, BlueprintVars
from infragen.blueprints.helpers.stateful import protect

_PLACEHOLDER = r"\{(?:project|env|app)\}"
# ECR RepositoryFilter.Filter: repository names with `*` wildcards.
_FILTER = rf"^(?:[a-z0-9*]|{_PLACEHOLDER})(?:[a-z0-9._/*-]|{_PLACEHOLDER})*$"


class RegistryScanning(BlueprintVars):
    """Amazon Inspector enhanced scanning (OS and language packages, re-scanned as new CVEs
    appear) for the repositories matching `filters`; the others keep basic scanning.

    This is `AWS::ECR::RegistryScanningConfiguration`, a setting of the whole registry (one
    per account and region), not of this repository: exactly one stack per account and
    region may carry it, and its filters must name every repository that wants enhanced
    scanning. Deleting that stack returns the registry to basic scanning.
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html
    """

    frequency: Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN"] = "CONTINUOUS_SCAN"
    # Default: this repository. `{project}`, `{env}`, `{app}` are filled in; `*` matches any.
    filters: list[Annotated[str, Field(pattern=_FILTER, max_length=256)]] = Field(
        default_factory=list, max_length=100
    )


class EcrRepositoryVars(BlueprintVars):
    # Default `{project}/{env}/{app}`; the placeholders name one repository per image of an
    # app in every environment, e.g. `{project}/{env}/{app}/api`.
    name: str | None = Field(
        default=None, pattern=rf"^(?:[a-z0-9]|{_PLACEHOLDER})(?:[a-z0-9._/-]|{_PLACEHOLDER})*$"
    )
    keep_images: int = Field(default=30, ge=1, le=1000)
    untagged_expire_days: int = Field(default=7, ge=1)
    encryption: Literal["AES256", "KMS"] = "AES256"
    registry_scanning: RegistryScanning | None = None


class EcrRepository(Blueprint):
    description = "ECR repository with scan on push, immutable tags and a lifecycle policy"
    Vars = EcrRepositoryVars
    outputs = {
        "RepositoryName": "Name of the repository",
        "RepositoryArn": "ARN of the repository",
        "RepositoryUri": "URI to push to and to run images from (without tag)",
    }
    vars: EcrRepositoryVars

    def build(self):
        v = self.vars
        t = self.template
        name = (v.name or "{project}/{env}/{app}").format(
            project=self.context.project, env=self.context.env, app=self.context.app
        )
        t.set_description(f"{self.context.stack_id}: ECR repository {name}")
        lifecycle = {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"expire untagged images after {v.untagged_expire_days} days",
                    "selection": {
                        "tagStatus": "untagged",
                        "countType": "sinceImagePushed",
                        "countUnit": "days",
                        "countNumber": v.untagged_expire_days,
                    },
                    "action": {"type": "expire"},
                },
                {
                    "rulePriority": 2,
                    "description": f"keep the newest {v.keep_images} images",
                    "selection": {
                        "tagStatus": "any",
                        "countType": "imageCountMoreThan",
                        "countNumber": v.keep_images,
                    },
                    "action": {"type": "expire"},
                },
            ]
        }
        repo = ecr.Repository(
            "Repository",
            RepositoryName=name,
            ImageScanningConfiguration=ecr.ImageScanningConfiguration(ScanOnPush=True),
            ImageTagMutability="IMMUTABLE",
            EncryptionConfiguration=ecr.EncryptionConfiguration(EncryptionType=v.encryption),
            LifecyclePolicy=ecr.LifecyclePolicy(
                LifecyclePolicyText=json.dumps(lifecycle, sort_keys=True)
            ),
        )
        t.add_resource(protect(repo, self.context.production))
        if v.registry_scanning is not None:
            self._registry_scanning(v.registry_scanning, name)
        self.output("RepositoryName", Ref(repo))
        self.output("RepositoryArn", GetAtt(repo, "Arn"))
        self.output("RepositoryUri", GetAtt(repo, "RepositoryUri"))
        return t

    def _registry_scanning(self, scanning: RegistryScanning, name: str) -> None:
        filters = [
            f.format(project=self.context.project, env=self.context.env, app=self.context.app)
            for f in scanning.filters
        ] or [name]
        self.template.add_resource(
            ecr.RegistryScanningConfiguration(
                "RegistryScanningConfiguration",
                ScanType="ENHANCED",
                Rules=[
                    ecr.ScanningRule(
                        ScanFrequency=scanning.frequency,
                        RepositoryFilters=[
                            ecr.RepositoryFilter(Filter=f, FilterType="WILDCARD") for f in filters
                        ],
                    )
                ],
            )
        )

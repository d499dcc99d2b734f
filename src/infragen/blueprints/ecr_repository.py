"""An ECR repository: scan on push, immutable tags, encrypted, lifecycle-pruned."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field
from troposphere import GetAtt, Ref, ecr

from infragen.blueprints.base import Blueprint, BlueprintVars
from infragen.blueprints.helpers.stateful import protect


class EcrRepositoryVars(BlueprintVars):
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._/-]*$")
    keep_images: int = Field(default=30, ge=1, le=1000)
    untagged_expire_days: int = Field(default=7, ge=1)
    encryption: Literal["AES256", "KMS"] = "AES256"


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
        name = v.name or "/".join((self.context.project, self.context.env, self.context.app))
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
        self.output("RepositoryName", Ref(repo))
        self.output("RepositoryArn", GetAtt(repo, "Arn"))
        self.output("RepositoryUri", GetAtt(repo, "RepositoryUri"))
        return t

"""Approve, then apply: plans of large templates, plan files written by `plan --save` and
executed exactly by `deploy --plan`, and each refusal when the world moved since the plan.
Real change sets on the emulator; Stubber where the emulator cannot produce the state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from .conftest import REGION, Project

MakeProject = Callable[..., Project]

LARGE = """
project: t
region: us-east-1
{bucket}
apps:
  big:
    stacks:
      topics:
        blueprint: deploy.blueprints:ManyTopics
        vars: {{count: 300}}
"""


def test_plan_uploads_a_large_template_under_the_env_prefix(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=aws)
    s3.create_bucket(Bucket="t-templates")
    project = make_project(LARGE.format(bucket="template_bucket: t-templates"))
    body = (project.templates / "dev" / "big" / "topics.yaml").read_bytes()
    assert len(body) > 51_200
    result = project.cli("plan", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "big/topics  t-dev-big-topics: create" in result.output
    assert "Add     Topic0299 (AWS::SNS::Topic)" in result.output
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="t-templates")["Contents"]]
    (key,) = keys
    assert key.startswith("infragen/t/dev/big/topics-") and key.endswith(".yaml")
    assert s3.get_object(Bucket="t-templates", Key=key)["Body"].read() == body
    assert cfn.describe_stacks()["Stacks"] == []  # the plan left no stack behind


def test_plan_of_a_large_template_without_a_bucket_says_what_to_set(
    aws: str, make_project: MakeProject
) -> None:
    project = make_project(LARGE.format(bucket=""))
    result = project.cli("plan", "--env", "dev")
    assert result.exit_code == 1
    assert "over CloudFormation's 51200-byte inline limit, and no template_bucket" in (
        result.output
    )
    assert "set `template_bucket: <bucket>`" in result.output

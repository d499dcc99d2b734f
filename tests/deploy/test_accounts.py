"""Several accounts and regions (issue 17): `account_id`, `role_arn`, `external_id` and
`profile` in config and the manifest, credentials per (account, role, region), the account
guard, cross-account `!stack_output`, and the read verbs grouped by account and region.

The emulator (moto) models STS: credentials of an assumed role make it act as the role's
account, so stacks really land in separate accounts. The guard refusing before any write is
pinned with botocore's Stubber.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Project

MakeProject = Callable[..., Project]

HOME = "123456789012"  # the emulator's account for the caller's own credentials
PROD = "111111111111"
SHARED = "222222222222"


def role(account: str, name: str = "infragen-deploy") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


PLACED = f"""
project: t
region: us-east-1
account_id: "{PROD}"
role_arn: {role(PROD)}
external_id: ci-42
profile: deployer
apps:
  base:
    account_id: "{SHARED}"
    role_arn: {role(SHARED)}
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
      other:
        blueprint: deploy.blueprints:Topic
        role_arn: {role(SHARED, "other")}
  shop:
    stacks:
      queue:
        blueprint: deploy.blueprints:Queue
        region: eu-west-1
        vars: {{topic_arn: !stack_output base/topic::TopicArn}}
"""

PLAIN = """
project: t
region: us-east-1
apps:
  base:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
"""


# ---------------------------------------------------------------- config and manifest


def test_manifest_records_each_stacks_account_role_and_profile(make_project: MakeProject) -> None:
    project = make_project(PLACED)
    stacks = json.loads((project.templates / "dev" / "manifest.json").read_text())["stacks"]
    # The app's account and role win over the env's; a role brings its own external id.
    assert {k: stacks["base/topic"].get(k) for k in ("account_id", "role_arn", "external_id")} == {
        "account_id": SHARED,
        "role_arn": role(SHARED),
        "external_id": None,
    }
    assert stacks["base/other"]["role_arn"] == role(SHARED, "other")
    assert stacks["base/other"]["account_id"] == SHARED
    assert stacks["shop/queue"]["account_id"] == PROD
    assert stacks["shop/queue"]["role_arn"] == role(PROD)
    assert stacks["shop/queue"]["external_id"] == "ci-42"
    assert stacks["shop/queue"]["region"] == "eu-west-1"
    assert {s["profile"] for s in stacks.values()} == {"deployer"}


def test_an_env_without_accounts_keeps_its_manifest_entries(make_project: MakeProject) -> None:
    project = make_project(PLAIN)
    entry = json.loads((project.templates / "dev" / "manifest.json").read_text())["stacks"]
    assert not {"account_id", "role_arn", "external_id", "profile"} & set(entry["base/topic"])


def test_the_account_of_a_role_without_account_id_is_the_expected_one(
    make_project: MakeProject,
) -> None:
    project = make_project(PLAIN.replace("apps:", f"role_arn: {role(SHARED)}\napps:"))
    stacks = json.loads((project.templates / "dev" / "manifest.json").read_text())["stacks"]
    assert stacks["base/topic"]["account_id"] == SHARED


@pytest.mark.parametrize(
    ("insert", "where", "message"),
    [
        (
            "account_id: 12345",
            "config/defaults.yaml:4:",
            "account_id: account id '12345' is not 12 digits; quote it",
        ),
        (
            "role_arn: arn:aws:iam::1234:role/x",
            "config/defaults.yaml:4:",
            "role_arn: String should match pattern",
        ),
        (
            "external_id: abc",
            "config/defaults.yaml:",
            "external_id is given without role_arn",
        ),
        (
            f'account_id: "{PROD}"\nrole_arn: {role(SHARED)}',
            "config/defaults.yaml:",
            f"role_arn: the role is in account {SHARED} but account_id is {PROD}",
        ),
        ("profile: ''", "config/defaults.yaml:4:", "profile: String should have at least 1"),
    ],
)
def test_bad_account_settings_are_located_config_errors(
    tmp_path: Path, insert: str, where: str, message: str
) -> None:
    project = Project(tmp_path).write(PLAIN.replace("apps:", f"{insert}\napps:"))
    result = project.cli("render")
    assert result.exit_code == 2, result.output
    assert where in result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_account_that_disagrees_with_an_inherited_role_is_located_at_the_account(
    tmp_path: Path,
) -> None:
    config = PLAIN.replace("apps:", f"role_arn: {role(PROD)}\napps:").replace(
        "        blueprint: deploy.blueprints:Topic",
        f'        blueprint: deploy.blueprints:Topic\n        account_id: "{SHARED}"',
    )
    result = Project(tmp_path).write(config).cli("render")
    assert result.exit_code == 2, result.output
    assert f"config/defaults.yaml:10:21: base/topic: account_id {SHARED} differs" in result.output
    assert f"the role_arn it inherits ({role(PROD)})" in result.output
    assert "hint: set role_arn" in result.output

"""org-baseline (issue 17): the GitHub OIDC provider and a budget alarm in every account of
the example organisation, deployed from prod as StackSets."""

from __future__ import annotations

from typing import Any

import pytest

from blueprints.support import one, rendered, resources

APP = "org-baseline"
ACCOUNTS = ["222222222222", "333333333333"]  # staging's and production's
ISSUER = "token.actions.githubusercontent.com"


def stack(name: str) -> dict[str, Any]:
    return rendered()["prod"]["stacks"][f"{APP}/{name}"]


def manifest_stack(name: str) -> dict[str, Any]:
    return rendered()["prod"]["manifest"]["stacks"][f"{APP}/{name}"]


@pytest.mark.parametrize("name", ["github-oidc", "budget"])
def test_each_stack_is_a_stackset_in_every_account_of_the_organisation(name: str) -> None:
    stackset = manifest_stack(name)["stackset"]
    assert stackset["targets"]["accounts"] == ACCOUNTS
    assert stackset["permission_model"] == "SELF_MANAGED"
    # IAM and Budgets are global: one region, or each instance would be created twice.
    assert stackset["regions"] == ["us-east-1"]
    assert stackset["preferences"]["max_concurrent"] == 1
    assert stackset["preferences"]["failure_tolerance"] == 0


def test_only_prod_deploys_the_baseline() -> None:
    for env in ("dev", "staging"):
        assert not [sid for sid in rendered()[env]["stacks"] if sid.startswith(f"{APP}/")]


def test_the_oidc_stackset_creates_the_accounts_github_provider_and_a_read_only_role() -> None:
    template = stack("github-oidc")
    provider = one(template, "AWS::IAM::OIDCProvider")["Properties"]
    assert provider["Url"] == f"https://{ISSUER}"
    assert provider["ClientIdList"] == ["sts.amazonaws.com"]
    role = one(template, "AWS::IAM::Role")["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"]["StringEquals"][f"{ISSUER}:sub"] == [
        "repo:acme/infra:ref:refs/heads/main"
    ]
    (grant,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert all(
        a.startswith(("cloudformation:Describe", "cloudformation:Get")) for a in grant["Action"]
    )


def test_the_budget_stackset_alarms_the_platform_team_per_account() -> None:
    budget = one(stack("budget"), "AWS::Budgets::Budget")["Properties"]
    assert budget["Budget"]["BudgetLimit"] == {"Amount": 5000, "Unit": "USD"}
    assert budget["Budget"]["TimeUnit"] == "MONTHLY"
    subscribers = [
        s["Address"] for n in budget["NotificationsWithSubscribers"] for s in n["Subscribers"]
    ]
    assert set(subscribers) == {"platform-team@example.com"}


@pytest.mark.parametrize(("env", "account"), [("staging", ACCOUNTS[0]), ("prod", ACCOUNTS[1])])
def test_the_envs_deploy_roles_use_the_baseline_provider_instead_of_a_second_one(
    env: str, account: str
) -> None:
    template = rendered()[env]["stacks"]["ai-foundry/deploy-role"]
    assert not resources(template, "AWS::IAM::OIDCProvider")
    trust = one(template, "AWS::IAM::Role")["Properties"]["AssumeRolePolicyDocument"]
    provider = f"arn:aws:iam::{account}:oidc-provider/{ISSUER}"
    assert trust["Statement"][0]["Principal"] == {"Federated": provider}

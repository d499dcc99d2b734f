"""Several accounts and regions (issue 17): `account_id`, `role_arn`, `external_id` and
`profile` in config and the manifest, credentials per (account, role, region), the account
guard, cross-account `!stack_output`, and the read verbs grouped by account and region.

The emulator (moto) models STS: credentials of an assumed role make it act as the role's
account, so stacks really land in separate accounts. The guard refusing before any write is
pinned with botocore's Stubber.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from infragen.aws.credentials import AccountMismatchError, CredentialsTarget
from infragen.aws.gateway import Gateway
from infragen.deploy.context import Context, Target, open_context
from infragen.deploy.delete import DeleteOptions, delete_env
from infragen.deploy.deploy import DeployOptions, deploy_env
from infragen.deploy.params import resolve_parameters
from infragen.deploy.plan import plan_env
from infragen.deploy.progress import PlainReporter

from .conftest import Project
from .stubs import REGION, stack, stubbed_gateway

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


# ---------------------------------------------------------------- on the emulator

SPREAD = f"""
project: t
region: us-east-1
apps:
  base:
    account_id: "{PROD}"
    role_arn: {role(PROD)}
    external_id: ci-42
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {{log_group_name: /t/dev/base}}
      west:
        blueprint: deploy.blueprints:Topic
        region: eu-west-1
  shop:
    role_arn: {role(SHARED)}
    stacks:
      queue:
        blueprint: deploy.blueprints:Queue
        region: eu-west-1
        vars: {{topic_arn: !stack_output base/topic::TopicArn}}
      east:
        blueprint: deploy.blueprints:LogStore
        vars: {{log_group_name: /t/dev/shop}}
"""
# Where each stack of SPREAD lands: (account, region).
PLACES = {
    "t-dev-base-topic": (PROD, "us-east-1"),
    "t-dev-base-logs": (PROD, "us-east-1"),
    "t-dev-base-west": (PROD, "eu-west-1"),
    "t-dev-shop-queue": (SHARED, "eu-west-1"),
    "t-dev-shop-east": (SHARED, "us-east-1"),
}


# Output of plan, status, drift and outputs: grouped by account, then region.
GROUPS = [
    f"== account {PROD}, eu-west-1 ==",
    f"== account {PROD}, us-east-1 ==",
    f"== account {SHARED}, eu-west-1 ==",
    f"== account {SHARED}, us-east-1 ==",
]
GROUPED_NAMES = {
    GROUPS[0]: ["t-dev-base-west"],
    GROUPS[1]: ["t-dev-base-logs", "t-dev-base-topic"],
    GROUPS[2]: ["t-dev-shop-queue"],
    GROUPS[3]: ["t-dev-shop-east"],
}


def headings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("== ")]


def grouped_names(table: str) -> dict[str, list[str]]:
    """The CloudFormation names under each heading of a status table."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in table.splitlines()[1:]:
        if line.startswith("== "):
            current = line
            found[current] = []
        else:
            found[current].append(line.split()[1])
    return {k: sorted(v) for k, v in found.items()}


def client_in(account: str, region: str, endpoint: str) -> Any:
    """A CloudFormation client acting in `account` (moto: an assumed role's credentials)."""
    import boto3

    sts = boto3.client("sts", region_name=region, endpoint_url=endpoint)
    found = sts.assume_role(RoleArn=role(account, "test-reader"), RoleSessionName="test")
    creds = found["Credentials"]
    return boto3.client(
        "cloudformation",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def live_stacks(account: str, region: str, endpoint: str) -> set[str]:
    summaries = client_in(account, region, endpoint).list_stacks()["StackSummaries"]
    return {s["StackName"] for s in summaries if s["StackStatus"] != "DELETE_COMPLETE"}


def assumed_roles(account: str) -> list[Any]:
    """The AssumeRole calls the emulator served into `account` (it runs in this process)."""
    from moto.sts.models import sts_backends

    return list(sts_backends[account]["aws"].assumed_roles)


def test_an_env_over_two_accounts_and_two_regions_plans_deploys_reports_and_deletes(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "ci")
    project = make_project(SPREAD)

    plan = project.cli("plan", "--env", "dev")
    assert plan.exit_code == 0, plan.output
    assert plan.output.count(": create") == 4, plan.output
    assert "shop/queue  t-dev-shop-queue: waits for a dependency" in plan.output
    assert headings(plan.output) == GROUPS

    deploy = project.cli("deploy", "--env", "dev")
    assert deploy.exit_code == 0, deploy.output
    for account in (PROD, SHARED):
        for region in ("us-east-1", "eu-west-1"):
            expected = {n for n, place in PLACES.items() if place == (account, region)}
            assert live_stacks(account, region, aws) == expected
    # Nothing landed in the caller's own account.
    assert live_stacks(HOME, "us-east-1", aws) == set()
    # The queue (SHARED, eu-west-1) got the topic's ARN from PROD's us-east-1: the
    # producer was read with the producer's own role.
    queue = client_in(SHARED, "eu-west-1", aws).describe_stacks(StackName="t-dev-shop-queue")
    topic = client_in(PROD, "us-east-1", aws).describe_stacks(StackName="t-dev-base-topic")
    given = {p["ParameterKey"]: p["ParameterValue"] for p in queue["Stacks"][0]["Parameters"]}
    assert given["TopicArn"] == topic["Stacks"][0]["Outputs"][0]["OutputValue"]
    assert f":{PROD}:" in given["TopicArn"]

    status = project.cli("status", "--env", "dev")
    assert status.exit_code == 0, status.output
    assert headings(status.output) == GROUPS
    assert grouped_names(status.output) == GROUPED_NAMES

    outputs = project.cli("outputs", "--env", "dev")
    assert outputs.exit_code == 0, outputs.output
    assert headings(outputs.output) == GROUPS
    assert f"  TopicArn = {given['TopicArn']}" in outputs.output

    # The emulator detects drift in each account and region (README "Emulator coverage"):
    # each stack's row, under its own account and region, is in sync.
    drift = project.cli("drift", "--env", "dev")
    assert drift.exit_code == 0, drift.output
    assert headings(drift.output) == GROUPS
    assert drift.output.count(": IN_SYNC") == 5, drift.output

    delete = project.cli("delete", "--env", "dev", "--yes")
    assert delete.exit_code == 0, delete.output
    for account, region in set(PLACES.values()):
        assert live_stacks(account, region, aws) == set()


def test_credentials_are_made_once_per_account_role_and_region(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "ci")
    project = make_project(SPREAD)
    before = {a: len(assumed_roles(a)) for a in (PROD, SHARED)}
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    made = {a: assumed_roles(a)[before[a] :] for a in (PROD, SHARED)}
    # PROD: us-east-1 (topic and logs share it) and eu-west-1; SHARED: its two regions.
    assert {a: len(roles) for a, roles in made.items()} == {PROD: 2, SHARED: 2}
    assert {r.session_name for roles in made.values() for r in roles} == {"infragen-dev-ci"}
    assert {r.external_id for r in made[PROD]} == {"ci-42"}
    assert {r.external_id for r in made[SHARED]} == {None}


# ---------------------------------------------------------------- the guard (Stubber)

GUARDED = f"""
project: t
region: us-east-1
account_id: "{PROD}"
apps:
  base:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {{log_group_name: /t/dev/base}}
  shop:
    account_id: "{SHARED}"
    stacks:
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {{topic_arn: !stack_output base/topic::TopicArn}}
"""


@dataclass
class Stubbed:
    """A gateway per target, each with a CloudFormation and an STS client that must be
    stubbed (no HTTP is possible); `made` lists the targets the context asked for."""

    account: dict[str | None, str]  # what GetCallerIdentity answers, by expected account
    gateways: dict[CredentialsTarget, tuple[Gateway, Stubber]] = field(default_factory=dict)
    made: list[CredentialsTarget] = field(default_factory=list)
    identity_calls: list[str] = field(default_factory=list)

    def __call__(self, target: CredentialsTarget) -> Gateway:
        import boto3

        self.made.append(target)
        plain, cf_stubber = stubbed_gateway()
        sts = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client("sts", endpoint_url="http://stubbed.invalid")
        sts_stubber = Stubber(sts)
        sts_stubber.activate()
        actual = self.account[target.account_id]
        sts_stubber.add_response(
            "get_caller_identity",
            {"Account": actual, "Arn": f"arn:aws:iam::{actual}:user/ci", "UserId": "AIDA1"},
        )
        sts.meta.events.register(
            "before-parameter-build.sts.GetCallerIdentity",
            lambda **_: self.identity_calls.append(target.account_id or ""),
        )
        gateway = Gateway(plain.cf, None, region=REGION, waiting=plain.waiting, sts=lambda: sts)
        self.gateways[target] = (gateway, cf_stubber)
        return gateway


def open_stubbed(tmp_path: Path, stubbed: Stubbed, *, guard: bool = True) -> Context:
    Project(tmp_path).write(GUARDED).render()
    target = Target(tmp_path / "config", tmp_path / "templates_out", "dev", check_accounts=guard)
    return open_context(target, PlainReporter(io.StringIO()), gateway_factory=stubbed)


VERBS: dict[str, Callable[[Context], object]] = {
    "deploy": lambda context: deploy_env(context, DeployOptions()),
    "plan": lambda context: plan_env(context),
    "delete": lambda context: delete_env(context, DeleteOptions(), lambda names: True),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_the_guard_refuses_a_wrong_account_before_any_write(tmp_path: Path, verb: str) -> None:
    stubbed = Stubbed({PROD: PROD, SHARED: HOME})
    context = open_stubbed(tmp_path, stubbed)
    with pytest.raises(AccountMismatchError) as refused:
        VERBS[verb](context)
    assert refused.value.message == (
        f"env dev: refusing to write to the wrong account: shop/queue (us-east-1): expected "
        f"account {SHARED}, but the credentials of the caller are in account {HOME}"
    )
    assert "nothing was written" in refused.value.hint
    # Not one CloudFormation call: every stubbed client would have raised on the first.
    for _, cf in stubbed.gateways.values():
        cf.assert_no_pending_responses()
    # One GetCallerIdentity per target, whatever the number of stacks sharing it.
    assert sorted(t.account_id or "" for t in stubbed.made) == [PROD, SHARED]
    assert sorted(stubbed.identity_calls) == [PROD, SHARED]


def test_the_guard_checks_each_target_once_per_run(tmp_path: Path) -> None:
    stubbed = Stubbed({PROD: PROD, SHARED: SHARED})
    context = open_stubbed(tmp_path, stubbed)
    context.check_accounts(["base/topic", "base/logs", "shop/queue"])
    context.check_accounts(["base/topic", "shop/queue"])  # a second stub would be missing
    assert sorted(stubbed.identity_calls) == [PROD, SHARED]
    assert len(stubbed.made) == 2  # base/topic and base/logs share their credentials


def test_without_the_account_check_nothing_is_asked(tmp_path: Path) -> None:
    stubbed = Stubbed({PROD: HOME, SHARED: HOME})
    context = open_stubbed(tmp_path, stubbed, guard=False)
    context.check_accounts(["base/topic", "shop/queue"])
    assert stubbed.identity_calls == []


def test_a_producer_in_another_account_is_read_with_its_own_credentials(tmp_path: Path) -> None:
    stubbed = Stubbed({PROD: PROD, SHARED: SHARED})
    context = open_stubbed(tmp_path, stubbed)
    by_account = {t.account_id: g for t, g in stubbed.gateways.items()}
    producer_cf = by_account[PROD][1]
    producer_cf.add_response(
        "describe_stacks",
        stack("t-dev-base-topic", "CREATE_COMPLETE", outputs={"TopicArn": "arn:topic"}),
        {"StackName": "t-dev-base-topic"},
    )
    queue = context.manifest.stacks["shop/queue"]
    assert resolve_parameters(queue, context.states, {}) == {"TopicArn": "arn:topic"}
    producer_cf.assert_no_pending_responses()
    by_account[SHARED][1].assert_no_pending_responses()  # the consumer's never asked


def test_a_plan_over_several_places_is_grouped_in_every_format() -> None:
    from infragen.deploy.manifest import Place
    from infragen.deploy.plan import Plan, PlanAction, StackPlan, to_json, to_markdown, to_text

    east, west = Place(PROD, "us-east-1"), Place(SHARED, "eu-west-1")
    plan = Plan(
        "dev",
        [
            StackPlan("a/x", "t-dev-a-x", PlanAction.CREATE, place=east),
            StackPlan("b/y", "t-dev-b-y", PlanAction.UNCHANGED, place=west),
        ],
    )
    assert to_text(plan).splitlines()[:4] == [
        f"== account {PROD}, us-east-1 ==",
        "a/x  t-dev-a-x: create",
        f"== account {SHARED}, eu-west-1 ==",
        "b/y  t-dev-b-y: no change",
    ]
    markdown = to_markdown(plan)
    assert f"| **account {SHARED}, eu-west-1** | | | | |\n| `b/y` |" in markdown
    stacks = json.loads(to_json(plan))["stacks"]
    assert [(s["account_id"], s["region"]) for s in stacks] == [
        (PROD, "us-east-1"),
        (SHARED, "eu-west-1"),
    ]
    # One place: no headings, as before.
    single = Plan("dev", [StackPlan("a/x", "t-dev-a-x", PlanAction.CREATE, place=east)])
    assert "==" not in to_text(single) and "**account" not in to_markdown(single)


def test_list_and_config_show_say_where_each_stack_goes(make_project: MakeProject) -> None:
    project = make_project(PLACED)
    listed = project.cli("list", "--env", "dev")
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.output.splitlines() if "shop/queue" in x)
    assert line.split()[2:5] == [PROD, "eu-west-1", "t-dev-shop-queue"]
    rows = json.loads(project.cli("list", "--env", "dev", "--format", "json").output)
    assert {r["stack"]: (r["account_id"], r["region"]) for r in rows} == {
        "base/topic": (SHARED, "us-east-1"),
        "base/other": (SHARED, "us-east-1"),
        "shop/queue": (PROD, "eu-west-1"),
    }
    shown = project.cli("config", "show", "--env", "dev", "--stack", "base/other")
    assert shown.exit_code == 0, shown.output
    assert shown.output.endswith(
        f"# deploys to: account {SHARED} (role {role(SHARED, 'other')}), us-east-1\n"
    )
    whole = project.cli("config", "show", "--env", "dev").output
    assert f"#   shop/queue  account {PROD} (role {role(PROD)}), eu-west-1\n" in whole


# ---------------------------------------------------------------- sessions


def test_the_command_line_profile_wins_over_the_envs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.aws.credentials import make_session

    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[deployer]\naws_access_key_id = AKIADEPLOYER\naws_secret_access_key = x\n"
        "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = y\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    target = CredentialsTarget("us-east-1", profile="deployer")

    def key(profile: str | None) -> str:
        session = make_session(
            target, profile=profile, region=REGION, endpoint_url=None, config=None, name="n"
        )
        return session.get_credentials().access_key

    assert key(None) == "AKIADEPLOYER"
    assert key("other") == "AKIAOTHER"


def test_a_role_that_cannot_be_assumed_says_which_and_why() -> None:
    import boto3

    from infragen.aws.credentials import AssumeRoleError, assume_role

    sts = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    ).client("sts", endpoint_url="http://stubbed.invalid")
    stubber = Stubber(sts)
    stubber.add_client_error(
        "assume_role",
        "AccessDenied",
        "User is not authorized to perform: sts:AssumeRole",
        expected_params={
            "RoleArn": role(PROD),
            "RoleSessionName": "infragen-dev-ci",
            "ExternalId": "ci-42",
        },
    )
    stubber.activate()
    target = CredentialsTarget(REGION, PROD, role(PROD), "ci-42")
    with pytest.raises(AssumeRoleError) as failed:
        assume_role(sts, target, "infragen-dev-ci")
    assert failed.value.message == (
        f"cannot assume {role(PROD)}: AccessDenied: User is not authorized to perform: "
        "sts:AssumeRole"
    )
    assert "trust policy" in failed.value.hint


def test_the_session_name_is_made_valid_for_sts() -> None:
    from infragen.aws.credentials import session_name

    assert session_name("prod", "ci") == "infragen-prod-ci"
    assert session_name("prod", "Jane Doe/admin") == "infragen-prod-Jane-Doe-admin"
    assert len(session_name("prod", "x" * 100)) == 64


def test_the_guard_on_the_emulator_stops_a_deploy_with_the_callers_own_credentials(
    aws: str, make_project: MakeProject
) -> None:
    project = make_project(PLAIN.replace("apps:", f'account_id: "{PROD}"\napps:'))
    refused = project.cli("deploy", "--env", "dev")
    assert refused.exit_code == 2, refused.output
    assert (
        f"env dev: refusing to write to the wrong account: base/topic (us-east-1): expected "
        f"account {PROD}, but the credentials of the caller are in account {HOME}"
    ) in refused.output
    assert "Traceback" not in refused.output
    assert live_stacks(HOME, "us-east-1", aws) == set()
    # Turned off, the same credentials deploy where they are.
    allowed = project.cli("deploy", "--env", "dev", "--no-account-check")
    assert allowed.exit_code == 0, allowed.output
    assert live_stacks(HOME, "us-east-1", aws) == {"t-dev-base-topic"}


def test_region_override_is_refused_for_an_env_in_several_regions(
    make_project: MakeProject,
) -> None:
    project = make_project(SPREAD)
    result = project.cli("status", "--env", "dev", "--region", "eu-west-1")
    assert result.exit_code == 2, result.output
    assert (
        "--region eu-west-1 would send every stack of dev there, but its stacks are in "
        "eu-west-1, us-east-1"
    ) in result.output
    assert "hint: leave --region out" in result.output

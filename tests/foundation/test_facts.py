"""One definition per shared fact: what render decides, lint agrees with (infragen.facts)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import Result
from pydantic import ValidationError

from infragen.facts import iam, secrets
from infragen.facts.stateful import STATEFUL_TYPES
from infragen.lint.runner import lint_text
from project_support import new_project

REPO = Path(__file__).resolve().parents[2]

# (name, looks secret, password-like: any literal under it is a leak)
SECRET_NAMES = [
    ("DB_PASSWORD", True, True),
    ("DB_PASSWD", True, True),
    ("DB_PWD", True, True),
    ("DB_PASS", True, True),
    ("DB_PW", True, True),
    ("SIGNING_PASSPHRASE", True, True),
    ("REDIS_AUTH_TOKEN", True, True),
    ("MasterUserPassword", True, True),
    ("AWS_CREDENTIALS", True, False),
    ("GITHUB_TOKEN", True, False),
    ("githubtoken", True, False),
    ("api_key", True, False),
    ("APIKEY", True, False),
    ("StripeApiKey", True, False),
    ("TLS_PRIVATE_KEY", True, False),
    ("JWT_SIGNING_KEY", True, False),
    ("HMAC_KEY", True, False),
    ("OAUTH_CLIENT_SECRET", True, False),
    ("SECRET_ACCESS_KEY", True, False),
    ("BASIC_AUTH", True, False),
    # Pointers to a secret and settings about one.
    ("SecretArn", False, False),
    ("DB_SECRET_ARN", False, False),
    ("SecretName", False, False),
    ("SecretStringTemplate", False, False),
    ("PasswordLength", False, False),
    ("password_encryption", False, False),
    ("PASSWORD_ALGORITHM", False, False),
    ("TokenTtl", False, False),
    ("TokenValidityUnits", False, False),
    ("TOKEN_ISSUER", False, False),
    ("KeyId", False, False),
    ("KmsKeyId", False, False),
    ("AuthType", False, False),
    ("OAuthScopes", False, False),
    # `pass` and `auth` inside other words or as verbs.
    ("BYPASS", False, False),
    ("BYPASS_CACHE", False, False),
    ("PASSENGER_COUNT", False, False),
    ("PASS_THROUGH", False, False),
    ("AUTHOR", False, False),
    ("COMPASS_HEADING", False, False),
    # A key named after what it unlocks is one; a bare `key` and object, partition, cache and
    # KMS keys are not.
    ("STRIPE_KEY", True, False),
    ("MASTER_KEY", True, False),
    ("SendgridKey", True, False),
    ("S3_KEY", False, False),
    ("S3Key", False, False),
    ("CACHE_KEY", False, False),
    ("PartitionKey", False, False),
    ("CAT_DETECTOR_CODE_KEY", False, False),
    ("ObjectKey", False, False),
    ("KmsKey", False, False),
    ("PublicKey", False, False),
    ("DB_HOST", False, False),
]


@pytest.mark.parametrize(("name", "secret", "password"), SECRET_NAMES)
def test_secret_names(name: str, secret: bool, password: bool) -> None:
    assert secrets.looks_secret(name) is secret
    assert secrets.looks_like_password(name) is password


def test_a_bare_key_is_not_secret() -> None:
    """A tag's `Key` (outside SECRET_NAMES: as a lambda env var its Parameter would be
    `EnvironmentKey`, which names a key and is secret)."""
    assert secrets.looks_secret("Key") is False
    assert secrets.looks_secret("EnvironmentKey") is True


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWD", ["db", "passwd"]),
        ("DbPasswd", ["db", "passwd"]),
        ("TLSPrivateKey", ["tls", "private", "key"]),
        ("EnvironmentDbPassword2", ["environment", "db", "password"]),
    ],
)
def test_names_split_into_words(name: str, expected: list[str]) -> None:
    assert secrets.words(name) == expected


# --- render and lint agree on secret names ---------------------------------------------------

SETTINGS_STACK = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      fn:
        blueprint: foundation.sample_blueprints:Settings
        vars:
          settings:
{environment}
"""


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> Path:
    lines = "\n".join(f"            {key}: {value}" for key, value in environment.items())
    new_project(tmp_path, monkeypatch, SETTINGS_STACK.format(environment=lines))
    return tmp_path


def _rendered(project: Path) -> tuple[str, dict]:
    text = (project / "templates_out" / "dev" / "shop" / "fn.yaml").read_text()
    manifest = json.loads((project / "templates_out" / "dev" / "manifest.json").read_text())
    return text, manifest["stacks"]["shop/fn"]["parameters"]


def _flagged(text: str, rule: str) -> set[str]:
    """Parameters the real rule flags in this template text (through cfn-lint)."""
    return {f["path"].split("/")[1] for f in lint_text(text) if f["rule"] == rule}


def test_render_makes_noecho_exactly_what_e9701_wants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    """Each name is a setting filled from a neutral `!env V<n>`, so only the name decides.

    (A Lambda function refuses secret-looking plain environment variables outright: secrets
    reach it by ARN. The sample Settings blueprint has no refusals of its own.)"""
    names = {name: secret for name, secret, _ in SECRET_NAMES}
    project = _project(tmp_path, monkeypatch, {n: f"!env V{i}" for i, n in enumerate(names)})
    result = invoke("render")
    assert result.exit_code == 0, result.output
    text, parameters = _rendered(project)
    by_name = {p["source"]["name"]: logical_id for logical_id, p in parameters.items()}
    expected = {by_name[f"V{i}"] for i, (_, secret) in enumerate(names.items()) if secret}

    assert {lid for lid, p in parameters.items() if p["no_echo"]} == expected
    assert _flagged(text, "E9701") == set()
    # The reverse: the same Parameters without NoEcho are exactly the ones E9701 flags.
    bare = "\n".join(line for line in text.splitlines() if line.strip() != "NoEcho: true")
    assert bare.count("NoEcho") == 0 < text.count("NoEcho: true")
    assert _flagged(bare + "\n", "E9701") == expected


def test_db_passwd_from_env_renders_noecho_and_lints_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    """The new user's case: a setting DB_PASSWD from `!env DB_PASSWD`."""
    project = _project(
        tmp_path,
        monkeypatch,
        {"DB_PASSWD": "!env DB_PASSWD", "CONN": "!env DB_PASSWORD", "DB_HOST": "!env DB_HOST"},
    )
    result = invoke("render")
    assert result.exit_code == 0, result.output
    text, parameters = _rendered(project)
    assert parameters["SettingsDbPasswd"]["no_echo"] is True
    assert parameters["SettingsConn"]["no_echo"] is True  # the `!env` name is secret
    assert parameters["SettingsDbHost"]["no_echo"] is False
    assert "SettingsDbPasswd:\n    Type: String\n" in text
    findings = lint_text(text)
    assert [f for f in findings if f["rule"] in ("E9701", "E9702")] == []
    assert invoke("lint", "--no-cache").exit_code == 0


def test_render_refuses_a_parameter_lint_would_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    """NoEcho cannot hide a secret read from a plain SSM String parameter: refuse, located."""
    _project(tmp_path, monkeypatch, {"DB_HOST": "db", "DB_PASSWORD": "!ssm /acme/dev/db-password"})
    result = invoke("render")
    assert result.exit_code == 2
    assert result.output.startswith("config/defaults.yaml:11:26: !ssm /acme/dev/db-password:")
    assert "(E9702)" in result.output
    assert "hint: pass secrets as `!env NAME`" in result.output
    assert not (tmp_path / "templates_out").exists()


def test_lint_flags_the_parameter_render_refuses() -> None:
    """The shape render refused above, written by hand: E9702 reports it, for the same reason."""
    template = {
        "Parameters": {
            "EnvironmentDbPassword": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/acme/dev/db-password",
                "NoEcho": True,
            }
        },
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    findings = [f for f in lint_text(json.dumps(template)) if f["rule"] == "E9702"]
    assert [f["path"] for f in findings] == ["Parameters/EnvironmentDbPassword/Default"]
    assert "SSM String parameter" in findings[0]["message"]
    finding = secrets.parameter_finding(
        "EnvironmentDbPassword", template["Parameters"]["EnvironmentDbPassword"]
    )
    assert finding is not None and finding.rule == "E9702"


# --- IAM actions without resource-level permissions ------------------------------------------

# (action, accepts only Resource "*")
IAM_ACTIONS = [
    ("logs:DescribeLogGroups", True),
    ("ec2:DescribeNetworkInterfaces", True),
    ("xray:PutTraceSegments", True),
    ("sts:GetCallerIdentity", True),
    ("cloudwatch:PutMetricData", True),  # by the reviewed patch: 'dataset' is optional
    ("rekognition:DetectModerationLabels", True),  # by the reviewed patch
    ("s3:GetObject", False),
    ("logs:CreateLogGroup", False),
    ("rds:DescribeDBInstances", False),
    ("ec2:CreateNetworkInterface", False),
    ("dynamodb:GetItem", False),
]


@pytest.mark.parametrize(
    ("action", "star_only"),
    [
        *IAM_ACTIONS,
        ("EC2:describeSubnets", True),  # IAM action names are case-insensitive
        ("ec2:Describe*", False),  # a pattern also covers scopable actions
        ("autoscaling:Describe*", False),
        ("nope:DoThing", False),
        ("s3", False),
    ],
)
def test_needs_star_resource(action: str, star_only: bool) -> None:
    assert iam.needs_star_resource(action) is star_only


def test_star_resource_config_validation_and_e9402_agree() -> None:
    """`Permission` (config validation) accepts `*` exactly where E9402 does not flag it."""
    from infragen.blueprints.helpers.policy import Permission

    accepted = set()
    for action, _ in IAM_ACTIONS:
        try:
            Permission(actions=[action], resources=["*"])
        except ValidationError as error:
            assert "resource '*' is only allowed" in str(error)
        else:
            accepted.add(action)
    statements = [{"Effect": "Allow", "Action": a, "Resource": "*"} for a, _ in IAM_ACTIONS]
    template = {
        "Resources": {
            "Policy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
                },
            }
        }
    }
    paths = {f["path"] for f in lint_text(json.dumps(template)) if f["rule"] == "E9402"}
    flagged = {
        action
        for index, (action, _) in enumerate(IAM_ACTIONS)
        if f"Resources/Policy/Properties/PolicyDocument/Statement/{index}/Resource" in paths
    }
    assert accepted == {a for a, star_only in IAM_ACTIONS if star_only}
    assert flagged == {a for a, star_only in IAM_ACTIONS if not star_only}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_iam_facts", REPO / "scripts" / "gen_iam_facts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_iam_data_is_fresh() -> None:
    """Regenerate with `.venv/bin/python scripts/gen_iam_facts.py` after upgrading cfn-lint."""
    from importlib.metadata import version

    gen = _generator()
    assert gen.GENERATED == iam.DATA_FILE
    text = iam.DATA_FILE.read_text(encoding="utf-8")
    assert text == gen.expected(), "stale: run .venv/bin/python scripts/gen_iam_facts.py"
    assert json.loads(text)["cfn_lint_version"] == version("cfn-lint")


def test_generator_applies_the_patch_and_refuses_stale_entries() -> None:
    gen = _generator()
    policies = gen.load_policies()
    # cfn-lint lists a resource type for PutMetricData; only the reviewed patch makes it '*'.
    assert policies["cloudwatch"]["Actions"]["putmetricdata"].get("Resources")
    patch = json.loads(gen.PATCH.read_text(encoding="utf-8"))
    assert all(entry["reason"].strip() for entry in patch["add"] + patch["remove"])
    for bad in (
        {"add": [{"action": "logs:DescribeLogGroups", "reason": "already star-only"}]},
        {"remove": [{"action": "s3:GetObject", "reason": "already scoped"}]},
        {"add": [{"action": "s3:GetObjekt", "reason": "typo"}]},
        {"add": [{"action": "s3:GetObject", "reason": " "}]},
    ):
        with pytest.raises(SystemExit):
            gen.render(policies, bad, "0")


# --- stateful types and production names -----------------------------------------------------


def _resource(title: str, kind: str) -> Any:
    """A troposphere resource of any type, to hand to `protect`."""
    from troposphere import AWSObject

    class Generic(AWSObject):
        props = {}

        def __init__(self) -> None:
            self.resource_type = kind
            super().__init__(title)

    return Generic()


def test_every_stateful_type_is_kept_by_protect_checked_by_e9601_and_guarded_by_deploy() -> None:
    from infragen.aws.types import Change
    from infragen.blueprints.helpers.stateful import protect
    from infragen.deploy.changes import is_destructive

    resources = {}
    for index, kind in enumerate(sorted(STATEFUL_TYPES)):
        kept = protect(_resource(f"Kept{index}", kind), production=True)
        assert kept.DeletionPolicy in ("Retain", "Snapshot")
        resources[f"Kept{index}"] = kept.to_dict()
        resources[f"Bare{index}"] = {"Type": kind}
        assert is_destructive(Change("Remove", f"Bare{index}", kind))
    template = {"Metadata": {"infragen": {"environment": "prod"}}, "Resources": resources}
    flagged = {
        f["path"].split("/")[1] for f in lint_text(json.dumps(template)) if f["rule"] == "E9601"
    }
    assert flagged == {f"Bare{i}" for i in range(len(STATEFUL_TYPES))}

    with pytest.raises(ValueError, match=r"not in infragen\.facts\.stateful"):
        protect(_resource("Queue", "AWS::SQS::Queue"), production=True)
    assert not is_destructive(Change("Remove", "Queue", "AWS::SQS::Queue"))


@pytest.mark.parametrize(
    ("name", "production"),
    [("prod", True), ("production", True), ("Prod", True), ("staging", False), ("live", False)],
)
def test_config_and_lint_agree_on_production_names(name: str, production: bool) -> None:
    from infragen.lint._shared import is_production as lint_says
    from infragen.model import is_production as config_says

    assert config_says(name, None) is production
    assert lint_says({"environment": name}) is production
    assert config_says(name, not production) is not production  # an explicit flag wins


def test_facts_and_lint_helpers_import_only_the_standard_library() -> None:
    """The rules load under a bare `cfn-lint --append-rules`; `infragen --help` stays fast."""
    code = textwrap.dedent(
        """\
        import sys
        import infragen.facts.cfn, infragen.facts.environments, infragen.facts.iam
        import infragen.facts.secrets, infragen.facts.stateful, infragen.lint._shared
        infragen.facts.iam.needs_star_resource("s3:GetObject")
        heavy = {"yaml", "pydantic", "troposphere", "awacs", "cfnlint", "boto3", "botocore"}
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip() == "[]"

"""The AWS emulator for deploy tests: infragen's emulator (moto's server plus infragen's
models and fixes, `infragen.emulator.server`) on 127.0.0.1, started by this session.

Every test that uses `aws` gets a freshly reset emulator, fake credentials and
AWS_ENDPOINT_URL pointing at it; nothing here can reach real AWS.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result

from infragen.cli import cli

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

REGION = "us-east-1"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """The same emulator `infragen emulator` and `make demo` run, in this process."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed")
    from infragen.emulator.server import start

    with start("127.0.0.1", 0) as running:
        yield running


@pytest.fixture
def aws(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """A reset emulator and an environment that can only talk to it."""
    emulator.reset()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in emulator.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return emulator.endpoint


@pytest.fixture
def cfn(aws: str) -> Any:
    """A plain boto3 client for the tests to look at what the emulator holds."""
    import boto3

    return boto3.client("cloudformation", region_name=REGION, endpoint_url=aws)


@dataclass
class CallLog:
    """CloudFormation operations infragen sent, counted by a botocore event hook."""

    calls: list[str] = field(default_factory=list)

    def record(self, model: object, **_: object) -> None:
        self.calls.append(getattr(model, "name", "?"))

    def clear(self) -> None:
        self.calls.clear()

    @property
    def writes(self) -> list[str]:
        reads = ("Describe", "List", "Get", "Validate", "Estimate")
        return [c for c in self.calls if not c.startswith(reads)]


@pytest.fixture
def call_log(monkeypatch: pytest.MonkeyPatch) -> CallLog:
    """Hooks `before-call.cloudformation.*` on every gateway infragen creates."""
    from infragen.aws import gateway
    from infragen.deploy import context

    log = CallLog()
    real_connect = gateway.connect

    def connect(*args: object, **kwargs: object) -> gateway.Gateway:
        created = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        created.cf.meta.events.register("before-call.cloudformation.*", log.record)
        return created

    monkeypatch.setattr(context, "connect", connect)
    return log


@dataclass
class Project:
    """A config dir and a templates dir in tmp_path, rendered with infragen render."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def templates(self) -> Path:
        return self.root / "templates_out"

    def write(self, defaults: str, envs: dict[str, str] | None = None) -> Project:
        self.config.mkdir(parents=True, exist_ok=True)
        (self.config / "defaults.yaml").write_text(textwrap.dedent(defaults))
        for env, text in (envs or {"dev": "{}\n"}).items():
            (self.config / f"{env}.yaml").write_text(textwrap.dedent(text))
        return self

    def render(self) -> Project:
        result = self.cli("render")
        assert result.exit_code == 0, result.output
        return self

    def cli(self, *args: str) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli,
            ["--config-dir", str(self.config), "--templates-dir", str(self.templates), *args],
            catch_exceptions=False,
        )


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[str], Project]:
    def make(defaults: str, envs: dict[str, str] | None = None) -> Project:
        return Project(tmp_path).write(defaults, envs).render()

    return make


# Two apps: alpha has network -> app (VpcId flows as a Parameter); beta has a topic -> queue
# chain and an independent log store. Small VPCs keep the emulator fast.
SMALL_DAG = """
project: t
region: us-east-1
tags: {Owner: tests}
apps:
  alpha:
    stacks:
      network:
        blueprint: network
        vars:
          cidr: 10.1.0.0/16
          az_count: 1
          subnets: {public: [10.1.0.0/24], private_app: [10.1.10.0/24]}
          nat: none
          flow_logs: {enabled: false}
      app:
        blueprint: deploy.blueprints:SecurityGroupStack
        vars: {vpc_id: !stack_output alpha/network::VpcId, label: one}
  beta:
    stacks:
      topic:
        blueprint: deploy.blueprints:Topic
        vars: {label: one}
      queue:
        blueprint: deploy.blueprints:Queue
        vars: {topic_arn: !stack_output beta/topic::TopicArn}
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/dev/beta}
"""

#: SMALL_DAG with beta/topic termination-protected: what delete and prune must refuse.
PROTECTED_TOPIC = SMALL_DAG.replace(
    "blueprint: deploy.blueprints:Topic",
    "blueprint: deploy.blueprints:Topic\n        termination_protection: true",
)

# One stack with a log group: the smallest project for stubbed and fault tests.
ONE_LOG_STORE = """project: t
region: us-east-1
apps:
  data:
    stacks:
      logs:
        blueprint: deploy.blueprints:LogStore
        vars: {log_group_name: /t/dev/data}
"""

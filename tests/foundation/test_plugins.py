"""Plugins as a team would ship them: a package with a `.dist-info` whose entry points add a
blueprint (`infragen.blueprints`) and a YAML tag (`infragen.tags`), used from config and
rendered end to end by `infragen render`; and the ways such a package can be broken.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from infragen.blueprints import registry
from infragen.config import tags
from project_support import new_project

PLUGIN = '''\
"""An acme team's infragen plugin: a queue blueprint and an !upper tag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from troposphere import GetAtt, sqs

from infragen.blueprints.base import Blueprint, BlueprintVars
from infragen.config.tags import ConfigTag, TagSyntaxError


class QueueVars(BlueprintVars):
    queue_name: str
    retention_seconds: int = 345600


class Queue(Blueprint):
    description = "An SQS queue"
    Vars = QueueVars
    outputs = {"QueueArn": "ARN of the queue"}

    def build(self):
        queue = self.template.add_resource(
            sqs.Queue(
                "Queue",
                QueueName=self.vars.queue_name,
                MessageRetentionPeriod=self.vars.retention_seconds,
                SqsManagedSseEnabled=True,
            )
        )
        self.output("QueueArn", GetAtt(queue, "Arn"))
        return self.template


@dataclass(frozen=True)
class UpperTag(ConfigTag):
    """`!upper text`: the text in capitals, known when config is read."""

    yaml_tag: ClassVar[str] = "!upper"

    @classmethod
    def parse(cls, raw, location):
        if not raw.strip():
            raise TagSyntaxError("!upper needs some text", "write e.g. `!upper orders`")
        return cls(raw=raw, location=location)

    def render_literal(self):
        return self.raw.strip().upper()


@dataclass(frozen=True)
class ExplodingTag(ConfigTag):
    yaml_tag: ClassVar[str] = "!explode"

    @classmethod
    def parse(cls, raw, location):
        raise RuntimeError("the tag plugin has a bug")


class NotATag:
    yaml_tag = "!nottag"
'''

ENTRY_POINTS = """\
[infragen.blueprints]
acme-queue = acme_infragen_plugin:Queue

[infragen.tags]
upper = acme_infragen_plugin:UpperTag
explode = acme_infragen_plugin:ExplodingTag
nottag = acme_infragen_plugin:NotATag
missing = acme_infragen_plugin:NoSuchTag
misnamed = acme_infragen_plugin:UpperTag
"""

DEFAULTS = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      orders:
        blueprint: acme-queue
        vars:
          queue_name: !upper acme-orders
          retention_seconds: 86400
"""


def _clear() -> None:
    registry.clear_cache()
    tags.clear_cache()


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An installed-looking plugin distribution on sys.path, with fresh registry caches."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_infragen_plugin.py").write_text(PLUGIN)
    dist = site / "acme_infragen_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-infragen-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    _clear()
    yield site
    _clear()


@pytest.fixture
def plugin_project(plugin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    new_project(root, monkeypatch, DEFAULTS)
    return root


def test_plugin_blueprint_and_tag_render_end_to_end(
    plugin_project: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("render")
    assert result.exit_code == 0, result.output
    body = (plugin_project / "templates_out/dev/shop/orders.yaml").read_text()
    assert "QueueName: ACME-ORDERS" in body
    assert "MessageRetentionPeriod: 86400" in body
    assert "blueprint: acme-queue" in body
    assert "QueueArn:" in body


def test_plugin_names_are_listed_with_the_builtins(
    plugin: Path, invoke: Callable[..., Result]
) -> None:
    assert "acme-queue" in registry.available()
    assert "acme-queue" not in registry.builtin_names()
    assert "network" in registry.builtin_names()
    assert {"!upper", "!stack_output", "!env", "!ssm", "!secret"} <= set(tags.known_tags())
    result = invoke("blueprints", "acme-queue")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("acme-queue: An SQS queue")
    assert "queue_name" in result.output


def test_builtin_tags_still_work_with_a_plugin_installed(
    plugin_project: Path, invoke: Callable[..., Result]
) -> None:
    (plugin_project / "config" / "dev.yaml").write_text(
        "apps:\n  shop:\n    stacks:\n      orders:\n        vars:\n"
        "          queue_name: !secret secretsmanager:acme/dev/queue:name\n"
    )
    result = invoke("render", "--env", "dev")
    assert result.exit_code == 0, result.output
    body = (plugin_project / "templates_out/dev/shop/orders.yaml").read_text()
    assert "QueueName: '{{resolve:secretsmanager:acme/dev/queue:SecretString:name}}'" in body


def _value(tag_text: str) -> str:
    return (
        "apps:\n  shop:\n    stacks:\n      orders:\n        vars:\n"
        f"          queue_name: {tag_text}\n"
    )


@pytest.mark.parametrize(
    ("tag_text", "message", "hint"),
    [
        ("!upper ''", "!upper needs some text", "write e.g. `!upper orders`"),
        (
            "!explode x",
            "tag !explode: acme_infragen_plugin.ExplodingTag failed in parse(): "
            "RuntimeError: the tag plugin has a bug",
            "a bug in the plugin providing !explode; report it to its maintainers",
        ),
        (
            "!nottag x",
            "tag !nottag: acme_infragen_plugin:NotATag is not a ConfigTag subclass",
            "package acme-infragen-plugin must name a subclass of",
        ),
        (
            "!missing x",
            "tag !missing could not be loaded: AttributeError: module 'acme_infragen_plugin' "
            "has no attribute 'NoSuchTag'",
            "is broken: fix or reinstall that package",
        ),
        (
            "!misnamed x",
            "tag !misnamed: acme_infragen_plugin:UpperTag declares yaml_tag '!upper'",
            "a tag has one name",
        ),
        ("!vault x", "unknown YAML tag !vault", "known tags: !env, !explode, !misnamed"),
    ],
    ids=["bad-argument", "parse-raises", "not-a-tag", "missing", "misnamed", "unknown"],
)
def test_broken_tag_plugins_are_located_config_errors(
    plugin_project: Path, invoke: Callable[..., Result], tag_text: str, message: str, hint: str
) -> None:
    (plugin_project / "config" / "dev.yaml").write_text(_value(tag_text))
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert f"config/dev.yaml:6:23: {message}" in result.stderr, result.stderr
    hints = [line for line in result.stderr.splitlines() if line.startswith("  hint: ")]
    assert any(hint in line for line in hints), hints
    assert "Traceback" not in result.output
    assert not (plugin_project / "templates_out").exists()


def test_a_name_claimed_by_two_packages_is_refused_at_its_line(
    plugin: Path, plugin_project: Path, invoke: Callable[..., Result]
) -> None:
    other = plugin / "other_plugin-2.0.dist-info"
    other.mkdir()
    (other / "METADATA").write_text("Metadata-Version: 2.1\nName: other-plugin\nVersion: 2.0\n")
    (other / "entry_points.txt").write_text(
        "[infragen.blueprints]\nacme-queue = acme_infragen_plugin:NotATag\n"
    )
    _clear()
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert (
        "config/defaults.yaml:7:20: blueprint name 'acme-queue' is registered more than once: "
        in result.stderr
    )
    assert "acme_infragen_plugin:Queue (package acme-infragen-plugin)" in result.stderr
    assert "acme_infragen_plugin:NotATag (package other-plugin)" in result.stderr
    assert "hint: uninstall one of those packages" in result.stderr


def test_tag_contract_is_documented() -> None:
    doc = textwrap.dedent(tags.__doc__ or "")
    for words in ("parse(raw, location)", "render_literal()", "dependencies()", "`source`"):
        assert words in doc, words

"""README's "Writing a blueprint" example is real code: it loads, validates and renders."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest
from pydantic import ValidationError

from infragen.render.render import RenderError
from infragen.testing import render_blueprint

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def queue_module() -> types.ModuleType:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Writing a blueprint") :]
    code = re.search(r"```python\n(# src/acme_blueprints/queue\.py\n.*?)```", section, re.S)
    assert code, "README lost its example blueprint"
    module = types.ModuleType("acme_blueprints_queue")
    sys.modules[module.__name__] = module  # pydantic resolves annotations through it
    exec(compile(code.group(1), str(README), "exec"), module.__dict__)
    return module


def test_the_example_renders_with_its_outputs(queue_module: types.ModuleType) -> None:
    template = render_blueprint(queue_module.Queue, {"retention_seconds": 86400}, env="prod")
    queue = template["Resources"]["Queue"]["Properties"]
    assert queue["MessageRetentionPeriod"] == 86400
    assert queue["QueueName"] == "acme-prod-test-stack"
    assert queue["SqsManagedSseEnabled"] is True
    assert set(template["Outputs"]) == {"QueueUrl", "QueueArn", "DeadLetterArn"}
    assert template["Outputs"]["DeadLetterArn"]["Description"] == "ARN of the dead-letter queue"


def test_the_conditional_output_follows_the_vars(queue_module: types.ModuleType) -> None:
    template = render_blueprint(queue_module.Queue, {"dead_letter": False})
    assert set(template["Outputs"]) == {"QueueUrl", "QueueArn"}
    assert queue_module.Queue.output_names(queue_module.QueueVars(dead_letter=False)) == {
        "QueueUrl",
        "QueueArn",
    }


def test_its_vars_refuse_unknown_keys(queue_module: types.ModuleType) -> None:
    with pytest.raises(ValidationError, match="retention_secs"):
        render_blueprint(queue_module.Queue, {"retention_secs": 60})


def test_an_undeclared_output_is_refused(queue_module: types.ModuleType) -> None:
    class Leaky(queue_module.Queue):
        def build(self):  # type: ignore[no-untyped-def]
            super().build()
            self.output("QueueName", "x")
            return self.template

    with pytest.raises(RenderError, match="'QueueName' is not declared"):
        render_blueprint(Leaky, {})


def test_a_declared_output_never_added_fails_the_render(queue_module: types.ModuleType) -> None:
    class Forgetful(queue_module.Queue):
        outputs = {**queue_module.Queue.outputs, "QueueName": "Name of the queue"}

    with pytest.raises(RenderError, match="declares outputs it did not add: QueueName"):
        render_blueprint(Forgetful, {})

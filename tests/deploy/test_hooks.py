"""Hooks (`hooks:` in config, run by deploy and delete around each stack) on the emulator:
order, the environment a hook gets, values passed on to `!env` parameters, a failure
skipping the stack's dependents, and `plan` listing them without running them."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Project

MakeProject = Callable[..., Project]

# Appends one line per call to hooks.log in its working directory: its label, then the
# variables a test asks about (`-` when unset).
HOOK_SCRIPT = """\
import os, sys
label, *names = sys.argv[1:]
values = [os.environ.get(n, "-") for n in names]
with open("hooks.log", "a") as log:
    log.write(" ".join([label, *values]) + "\\n")
print("hook says", label)
"""


def hook(label: str, *names: str) -> str:
    """A YAML flow list running hook.py with `label`, logging `names`."""
    return "[" + ", ".join([sys.executable, "hook.py", label, *names]) + "]"


def config(topic_hooks: str = "", queue_hooks: str = "", env_hooks: str = "") -> str:
    return textwrap.dedent(
        """
        project: t
        region: us-east-1
        {env_hooks}
        apps:
          beta:
            stacks:
              topic:
                blueprint: deploy.blueprints:Topic
                vars: {{label: one}}
                {topic_hooks}
              queue:
                blueprint: deploy.blueprints:Queue
                vars: {{topic_arn: !stack_output beta/topic::TopicArn}}
                {queue_hooks}
              logs:
                blueprint: deploy.blueprints:LogStore
                vars: {{log_group_name: /t/dev/beta}}
        """
    ).format(env_hooks=env_hooks, topic_hooks=topic_hooks, queue_hooks=queue_hooks)


def with_script(project: Project) -> Project:
    (project.root / "hook.py").write_text(HOOK_SCRIPT)
    return project


def log_lines(project: Project) -> list[str]:
    path = project.root / "hooks.log"
    return path.read_text().splitlines() if path.exists() else []


def test_hooks_run_in_order_with_the_stack_context_and_producer_outputs(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    env_level = f"hooks: {{after_deploy: [{hook('env-after', 'INFRAGEN_STACK_ID')}]}}"
    project = with_script(
        make_project(
            config(
                topic_hooks="hooks: {before_deploy: ["
                + hook(
                    "topic-before",
                    "INFRAGEN_PROJECT",
                    "INFRAGEN_ENV",
                    "INFRAGEN_APP",
                    "INFRAGEN_STACK",
                    "INFRAGEN_STACK_NAME",
                    "AWS_REGION",
                    "INFRAGEN_HOOK",
                )
                + "]}",
                queue_hooks="hooks: {before_deploy: ["
                + hook("queue-before", "INFRAGEN_OUTPUT_BETA__TOPIC__TopicArn")
                + "], after_deploy: ["
                + hook("queue-after", "INFRAGEN_OUTPUT_BETA__QUEUE__QueueUrl")
                + "]}",
                env_hooks=env_level,
            )
        )
    )
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    lines = log_lines(project)
    topic_arn = cfn.describe_stacks(StackName="t-dev-beta-topic")["Stacks"][0]["Outputs"][0][
        "OutputValue"
    ]
    queue = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]
    queue_url = {o["OutputKey"]: o["OutputValue"] for o in queue["Outputs"]}["QueueUrl"]
    assert "topic-before t dev beta topic t-dev-beta-topic us-east-1 before_deploy" in lines
    assert f"queue-before {topic_arn}" in lines
    # the stack's own after_deploy replaces the env's; the others inherit the env's
    assert f"queue-after {queue_url}" in lines
    assert "env-after beta/topic" in lines and "env-after beta/logs" in lines
    assert "env-after beta/queue" not in lines
    order = [line.split()[0] + ":" + line.split()[-1] for line in lines]
    assert order.index("topic-before:before_deploy") < order.index(f"queue-before:{topic_arn}")
    assert order.index("env-after:beta/topic") < order.index(f"queue-before:{topic_arn}")
    assert order.index(f"queue-before:{topic_arn}") < order.index(f"queue-after:{queue_url}")
    # output streamed with the stack's prefix
    assert "[beta/queue] before_deploy hook 1/1> hook says queue-before" in result.output

    # hooks run on every deploy (an unchanged stack included), and the stack stays unchanged
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "3 unchanged" in result.output
    assert log_lines(project).count(f"queue-before {topic_arn}") == 2


def test_a_failing_hook_fails_its_stack_and_skips_its_dependents(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    failing = f"[{sys.executable}, -c, \"import sys; print('no zip today'); sys.exit(3)\"]"
    project = with_script(
        make_project(
            config(
                topic_hooks=f"hooks: {{before_deploy: [{failing}]}}",
                queue_hooks=f"hooks: {{before_deploy: [{hook('queue-before')}]}}",
            )
        )
    )
    result = project.cli("deploy", "--env", "dev")
    assert result.exit_code == 1
    assert "[beta/topic] before_deploy hook 1/1> no zip today" in result.output
    assert "exited with 3" in result.output
    assert "dependency beta/topic failed" in result.output
    names = {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
    assert names == {"t-dev-beta-logs"}  # the independent stack carried on
    assert log_lines(project) == []  # the dependent's hook never ran


def test_a_shell_hook_runs_through_the_shell_only_when_asked(
    aws: str, make_project: MakeProject
) -> None:
    shell = '{shell: "echo shell $INFRAGEN_STACK_ID >> hooks.log"}'
    argv = '[echo, "$INFRAGEN_STACK_ID"]'  # no shell: the text stays as written
    project = make_project(config(topic_hooks=f"hooks: {{after_deploy: [{shell}, {argv}]}}"))
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert log_lines(project) == ["shell beta/topic"]
    assert "after_deploy hook 2/2> $INFRAGEN_STACK_ID" in result.output


def test_a_malformed_passed_on_line_fails_the_stack(aws: str, make_project: MakeProject) -> None:
    code = "import os; open(os.environ['INFRAGEN_HOOK_ENV'], 'w').write('no equals sign')"
    bad = f'[{sys.executable}, -c, "{code}"]'
    project = make_project(config(topic_hooks=f"hooks: {{before_deploy: [{bad}]}}"))
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 1
    assert "line 1 of $INFRAGEN_HOOK_ENV is not NAME=value" in result.output


def test_secret_values_never_reach_the_log(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook that prints a secret (one it was given, or one an earlier hook passed on)
    shows `****` in the deploy's output."""
    monkeypatch.setenv("DB_PASSWORD", "correct-horse-battery")
    pass_on = (
        "import os; open(os.environ['INFRAGEN_HOOK_ENV'], 'a').write('API_TOKEN=tok-' + '4242')"
    )
    show = "import os; print(os.environ['DB_PASSWORD'], os.environ['API_TOKEN'])"
    hooks = f'[[{sys.executable}, -c, "{pass_on}"], [{sys.executable}, -c, "{show}"]]'
    project = make_project(config(topic_hooks=f"hooks: {{before_deploy: {hooks}}}"))
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    assert "before_deploy hook 2/2> **** ****" in result.output
    assert "correct-horse-battery" not in result.output and "tok-4242" not in result.output


def test_the_working_directory_is_not_masked(
    aws: str, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$PWD looks like a password abbreviation by name only: the paths a failing hook prints
    (a traceback's files) stay readable."""
    show = "import os; print(os.environ['PWD'], os.environ['OLDPWD'], os.environ['DB_PWD'])"
    project = make_project(
        config(topic_hooks=f'hooks: {{before_deploy: [[{sys.executable}, -c, "{show}"]]}}')
    )
    monkeypatch.setenv("PWD", str(project.root))
    monkeypatch.setenv("OLDPWD", str(project.root.parent))
    monkeypatch.setenv("DB_PWD", "hunter2-hunter2")
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 0, result.output
    shown = f"before_deploy hook 1/1> {project.root} {project.root.parent} ****"
    assert shown in result.output


def test_a_missing_program_is_named(aws: str, make_project: MakeProject) -> None:
    project = make_project(
        config(topic_hooks="hooks: {after_deploy: [[no-such-program-infragen, build]]}")
    )
    result = project.cli("deploy", "--env", "dev", "beta/topic")
    assert result.exit_code == 1
    assert "program 'no-such-program-infragen' not found" in result.output
    assert "failed" in result.output


def test_a_before_deploy_hook_passes_a_value_on_to_an_env_parameter(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:built-by-a-hook"
    # the hook composes the value, so the command line shown does not contain it
    write = (
        f'[{sys.executable}, -c, "import os; '
        "open(os.environ['INFRAGEN_HOOK_ENV'], 'a')"
        ".write('BUILT_TOPIC=arn:aws:sns:us-east-1:123456789012:' + 'built-by-a-hook')\"]"
    )
    text = config().replace(
        "vars: {topic_arn: !stack_output beta/topic::TopicArn}",
        f"vars: {{topic_arn: !env BUILT_TOPIC}}\n    hooks: {{before_deploy: [{write}]}}",
    )
    # the replaced line sits under `queue:`; re-indent the added hooks line to match
    text = text.replace("\n    hooks:", "\n        hooks:")
    project = make_project(text)
    result = project.cli("deploy", "--env", "dev", "beta/queue", "--only")
    assert result.exit_code == 0, result.output
    assert "before_deploy passed on: BUILT_TOPIC" in result.output
    assert arn not in result.output  # names only: a passed-on value may be a secret
    queue = cfn.describe_stacks(StackName="t-dev-beta-queue")["Stacks"][0]
    assert queue["Parameters"][0]["ParameterValue"] == arn


def test_plan_lists_hooks_and_never_runs_them(aws: str, make_project: MakeProject) -> None:
    project = with_script(
        make_project(config(topic_hooks=f"hooks: {{before_deploy: [{hook('topic-before')}]}}"))
    )
    result = project.cli("plan", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert f"hook before_deploy (not run by plan): {sys.executable} hook.py topic-before" in (
        result.output
    )
    markdown = project.cli("plan", "--env", "dev", "--format", "markdown")
    assert "- `beta/topic` before_deploy: `" in markdown.output
    as_json = json.loads(project.cli("plan", "--env", "dev", "--format", "json").output)
    hooks = {s["stack"]: s["hooks"] for s in as_json["stacks"]}
    assert hooks["beta/topic"] == {"before_deploy": [f"{sys.executable} hook.py topic-before"]}
    assert hooks["beta/queue"] == {}
    assert log_lines(project) == []


def test_delete_hooks_run_around_each_stack_consumers_first(
    aws: str, make_project: MakeProject
) -> None:
    env_level = (
        f"hooks: {{before_delete: [{hook('before', 'INFRAGEN_STACK_ID')}], "
        f"after_delete: [{hook('after', 'INFRAGEN_STACK_ID')}]}}"
    )
    project = with_script(make_project(config(env_hooks=env_level)))
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    result = project.cli("delete", "--env", "dev", "--yes", "beta/topic")
    assert result.exit_code == 0, result.output
    assert log_lines(project) == [
        "before beta/queue",
        "after beta/queue",
        "before beta/topic",
        "after beta/topic",
    ]


def test_a_failing_before_delete_hook_keeps_the_stack_and_the_stacks_it_depends_on(
    aws: str, cfn: Any, make_project: MakeProject
) -> None:
    failing = f'[{sys.executable}, -c, "import sys; sys.exit(4)"]'
    project = make_project(config(queue_hooks=f"hooks: {{before_delete: [{failing}]}}"))
    assert project.cli("deploy", "--env", "dev", "beta/queue").exit_code == 0
    result = project.cli("delete", "--env", "dev", "--yes", "beta/topic")
    assert result.exit_code == 1
    assert "before_delete hook 1/1" in result.output and "exited with 4" in result.output
    assert "dependency beta/queue failed" in result.output
    names = {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
    assert names == {"t-dev-beta-topic", "t-dev-beta-queue"}


def test_a_hook_of_the_wrong_shape_is_a_located_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path).write(config(topic_hooks="hooks: {before_deploy: make zip}"))
    result = project.cli("render")
    assert result.exit_code == 2
    assert "defaults.yaml:" in result.output
    assert "before_deploy: expected a list of hooks, got str" in result.output
    assert "[python3, scripts/build.py]" in result.output


def test_the_example_lambda_zip_is_byte_identical_for_identical_sources(tmp_path: Path) -> None:
    """scripts/lambda_zip.py (cat-detector's before_deploy hook): same files, same bytes,
    whatever their timestamps or the order the file system lists them in."""
    import importlib.util
    import os

    script = Path(__file__).resolve().parents[2] / "scripts" / "lambda_zip.py"
    spec = importlib.util.spec_from_file_location("lambda_zip", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, stamp in (("a", 1_000_000_000), ("b", 1_700_000_000)):
        source = tmp_path / name
        (source / "pkg" / "__pycache__").mkdir(parents=True)
        (source / "app.py").write_text("def handler(event, context):\n    return {}\n")
        (source / "pkg" / "util.py").write_text("X = 1\n")
        (source / "pkg" / "__pycache__" / "util.cpython-311.pyc").write_bytes(b"\0" * 8)
        for path in source.rglob("*"):
            os.utime(path, (stamp, stamp))
    first = module.build_zip(tmp_path / "a")
    assert first == module.build_zip(tmp_path / "b")
    import io
    import zipfile

    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["app.py", "pkg/util.py"]


def test_the_example_lambda_zip_names_a_bucket_it_cannot_upload_to(
    aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing bucket is one line with what to do, not botocore's traceback in the
    deploy's hook output."""
    import importlib.util

    script = Path(__file__).resolve().parents[2] / "scripts" / "lambda_zip.py"
    spec = importlib.util.spec_from_file_location("lambda_zip", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    monkeypatch.delenv("CODE_BUCKET", raising=False)
    args = [str(tmp_path / "src"), "--bucket-var", "CODE_BUCKET", "--bucket", "no-such-bucket"]
    args += ["--key-var", "CODE_KEY", "--key", "fn.zip", "--out", str(tmp_path / "build")]
    with pytest.raises(SystemExit) as stopped:
        module.main(args)
    message = str(stopped.value)
    assert message.startswith("lambda_zip: cannot upload to s3://no-such-bucket/fn.zip: ")
    assert "NoSuchBucket" in message
    assert "set CODE_BUCKET to one these credentials can write to" in message


@pytest.mark.parametrize(
    ("env", "app", "stack", "expected"),
    [
        ({"before_deploy": [["a"]]}, {}, {}, {"before_deploy": [["a"]]}),
        ({"before_deploy": [["a"]]}, {"before_deploy": [["b"]]}, {}, {"before_deploy": [["b"]]}),
        (
            {"before_deploy": [["a"]], "after_delete": [["z"]]},
            {},
            {"before_deploy": []},  # [] turns the inherited event off; others still inherit
            {"after_delete": [["z"]]},
        ),
        ({}, {"after_deploy": [{"shell": "x"}]}, {}, {"after_deploy": [{"shell": "x"}]}),
    ],
)
def test_hooks_merge_per_event_the_most_specific_level_wins(
    env: dict[str, Any], app: dict[str, Any], stack: dict[str, Any], expected: dict[str, Any]
) -> None:
    from infragen.model import Hooks, ShellHook, merged_hooks

    merged = merged_hooks(Hooks(**env), Hooks(**app), Hooks(**stack))
    plain = {
        event: [c.model_dump() if isinstance(c, ShellHook) else c for c in commands]
        for event, commands in merged.items()
    }
    assert plain == expected


@pytest.mark.parametrize(
    ("hooks", "message"),
    [
        ("{before_deploy: [[]]}", "before_deploy: hook 0: got list []"),
        ("{after_deploy: [{shell: ls, cwd: /}]}", "hook 0: a mapping must be exactly"),
        ("{after_deploy: [[make, [nested]]]}", "every argument must be a plain string"),
        ("{on_deploy: [[make]]}", "unknown key 'on_deploy'"),
    ],
)
def test_bad_hook_shapes_are_refused_where_they_are_written(
    tmp_path: Path, hooks: str, message: str
) -> None:
    project = Project(tmp_path).write(config(topic_hooks=f"hooks: {hooks}"))
    result = project.cli("render")
    assert result.exit_code == 2
    assert message in result.output
    assert "defaults.yaml:" in result.output

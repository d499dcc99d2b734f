"""`infragen init`: a new project that renders, lints and passes its own hooks at once."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from infragen.render.service import load_env

REPO = Path(__file__).resolve().parents[2]
SCAFFOLD = [
    "config/defaults.yaml",
    "config/dev.yaml",
    ".pre-commit-config.yaml",
    ".gitignore",
    ".infragen/config.schema.json",
    ".vscode/settings.json",
    ".github/workflows/infragen-pr.yaml",
    ".github/workflows/infragen-deploy.yaml",
    ".github/workflows/infragen-deploy-env.yaml",
]


@pytest.fixture
def new_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> Path:
    """`infragen init orders-demo` in an empty directory, which becomes the working one."""
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "orders-demo")
    assert result.exit_code == 0, result.output
    assert "next: cd orders-demo && infragen render && infragen lint" in result.output
    directory = tmp_path / "orders-demo"
    monkeypatch.chdir(directory)
    return directory


def test_init_writes_the_scaffold_named_after_the_directory(new_project: Path) -> None:
    assert sorted(
        str(p.relative_to(new_project)) for p in new_project.rglob("*") if p.is_file()
    ) == (sorted(SCAFFOLD))
    defaults = yaml.safe_load((new_project / "config/defaults.yaml").read_text())
    assert defaults["project"] == "orders-demo"
    assert defaults["region"] == "us-east-1"
    assert ".infragen-cache/" in (new_project / ".gitignore").read_text().splitlines()


def test_init_brings_the_review_and_deploy_workflows(new_project: Path) -> None:
    """The same workflows infragen ships (issue 13), ready for the new repository's CI."""
    shipped = REPO / "src/infragen/templates/github/workflows"
    for path in sorted(shipped.glob("*.yaml")):
        written = new_project / ".github/workflows" / path.name
        assert written.read_text() == path.read_text()
        assert "infragen" in yaml.safe_load(written.read_text())["name"]


def test_the_example_app_is_valid_config(new_project: Path) -> None:
    env = load_env(new_project / "config", "dev")
    assert sorted(env.stacks) == ["example/function", "example/table", "example/uploads"]
    # the function waits for the table, the bucket for the function: a real chain
    assert env.stacks["example/function"].dependencies == {"example/table"}
    assert env.stacks["example/uploads"].dependencies == {"example/function"}


def test_the_scaffold_renders_and_lints_clean(
    new_project: Path, invoke: Callable[..., Result]
) -> None:
    rendered = invoke("render")
    assert rendered.exit_code == 0, rendered.output
    assert "rendered 3 stacks in 1 environment(s)" in rendered.output
    linted = invoke("lint", "--no-cache", "--jobs", "1")
    assert linted.exit_code == 0, linted.output
    assert "0 findings" in linted.output


def test_the_scaffold_hooks_are_infragens_and_pass(new_project: Path) -> None:
    """The scaffold's local hooks are the published ones (same id, entry, files), run by the
    installed CLI as pre-commit runs a `language: system` hook, after a render."""
    published = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    config = yaml.safe_load((new_project / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [h["id"] for h in hooks] == list(published)
    for hook in hooks:
        for key in ("entry", "files", "pass_filenames", "require_serial"):
            assert hook.get(key) == published[hook["id"]].get(key), (hook["id"], key)

    bin_dir = str(Path(sys.executable).parent)  # where the venv installed `infragen`
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    subprocess.run(["infragen", "render"], env=env, check=True, capture_output=True)
    templates = sorted(str(p) for p in Path("templates_out").rglob("*.yaml"))
    for hook in hooks:
        args = shlex.split(hook["entry"]) + (templates if hook.get("pass_filenames", True) else [])
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (hook["id"], done.stdout, done.stderr)


def test_init_refuses_to_overwrite_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text("mine\n")
    result = invoke("init")
    assert result.exit_code == 2
    assert "refusing to overwrite .gitignore" in result.output
    assert (tmp_path / ".gitignore").read_text() == "mine\n"
    assert not (tmp_path / "config").exists()


def test_init_refuses_a_project_name_config_would_refuse(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("init", str(tmp_path / "x"), "--project", "Orders_Demo")
    assert result.exit_code == 2
    assert "project name 'Orders_Demo' must be lowercase letters" in result.output
    assert not (tmp_path / "x").exists()


def test_a_directory_name_becomes_a_valid_project_name(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    result = invoke("init", str(tmp_path / "My Infra_2"))
    assert result.exit_code == 0, result.output
    defaults = yaml.safe_load((tmp_path / "My Infra_2/config/defaults.yaml").read_text())
    assert defaults["project"] == "my-infra-2"

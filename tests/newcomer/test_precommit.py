"""pre-commit as a consumer uses it: pins in step with the version, local hooks that run
offline, and the repository's own hooks running from its venv."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SCAFFOLD_HOOKS = REPO / "src/infragen/scaffold/files/pre-commit-config.yaml"


def version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


def precommit_section() -> str:
    text = (REPO / "README.md").read_text()
    return text.split("\n### pre-commit\n", 1)[1].split("\n## ", 1)[0]


def test_readme_pins_and_changelog_are_the_packaged_version() -> None:
    section = precommit_section()
    pins = re.findall(r"infragen==([\w.]+)", section) + re.findall(r"rev: v([\w.]+)", section)
    assert len(pins) >= 3
    assert set(pins) == {version()}
    # Changes land under "Unreleased" until a release names its version.
    newest = re.search(r"^## (?!Unreleased$)(\S+)", (REPO / "CHANGELOG.md").read_text(), re.M)
    assert newest is not None and newest.group(1) == version()
    assert "additional_dependencies: [" in section


def test_readme_local_hooks_are_what_init_writes() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", precommit_section(), re.DOTALL)
    local = [yaml.safe_load(b) for b in blocks if "repo: local" in b]
    assert local == [yaml.safe_load(SCAFFOLD_HOOKS.read_text())]


def repo_hooks() -> list[dict[str, object]]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing fetched
    return config["repos"][0]["hooks"]


def test_the_repository_runs_the_published_hooks_from_its_venv() -> None:
    published = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    hooks = {hook["id"]: hook for hook in repo_hooks()}
    for hook in published:
        mine = hooks[hook["id"]]
        assert mine["entry"] == f".venv/bin/{hook['entry']}"
        assert mine["language"] == "system"
        for key in ("pass_filenames", "require_serial"):
            assert mine.get(key) == hook.get(key), (hook["id"], key)


def run_hook(hook: dict[str, object], files: list[str]) -> subprocess.CompletedProcess[str]:
    """As pre-commit runs a `language: system` hook: entry, args, then the file names; the
    venv's bin is wherever this interpreter's is."""
    venv_bin = str(Path(sys.executable).parent)
    entry = [part.replace(".venv/bin", venv_bin) for part in shlex.split(str(hook["entry"]))]
    args = [*entry, *hook.get("args", []), *files]  # type: ignore[misc]
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True)


def test_the_repository_cfn_lint_hook_runs_infragens_rules() -> None:
    hook = next(h for h in repo_hooks() if h["id"] == "cfn-lint")
    clean = run_hook(hook, ["tests/lint/rules/E9201/good.yaml"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    bad = run_hook(hook, ["tests/lint/rules/E9201/bad.yaml"])
    assert bad.returncode != 0
    assert "E9201" in bad.stdout

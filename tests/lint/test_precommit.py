"""The pre-commit wiring: published hooks, and the local cfn-lint hook as configured here."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "tests" / "lint" / "rules"


def test_published_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["infragen-render-check"]["entry"] == "infragen render --check"
    assert hooks["infragen-render-check"]["pass_filenames"] is False
    assert hooks["infragen-lint"]["entry"] == "infragen lint --server"
    assert all(h["language"] == "python" for h in hooks.values())


def _cfn_lint_hook() -> dict:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    (hook,) = [h for r in config["repos"] for h in r["hooks"] if h["id"] == "cfn-lint"]
    return hook


def test_cfn_lint_hook_enforces_infragen_rules_on_every_file() -> None:
    """Run the hook's entry + args + file names the way pre-commit does (from the repo root)."""
    hook = _cfn_lint_hook()
    entry = shlex.split(hook["entry"])
    assert entry[:2] == ["env", "PYTHONPATH=src"]
    files = [str((RULES / rule / "bad.yaml").relative_to(REPO)) for rule in ("E9101", "E9402")]
    command = [*entry[2:], *hook["args"], *files]
    command[0] = str(Path(sys.executable).with_name(Path(command[0]).name))  # this venv's
    env = {**os.environ, "PYTHONPATH": "src"}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0, result.stderr
    # Both files were linted: the trailing `--` kept --append-rules from swallowing them.
    assert result.stdout.count("E9101 ") == 10, result.stdout
    assert result.stdout.count("E9402 ") == 3, result.stdout

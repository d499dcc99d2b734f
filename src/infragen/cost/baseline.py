"""The estimate to compare against: the same env at a git ref, or a rendered manifest file."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from infragen.cost.estimate import estimate_env, estimate_rendered
from infragen.cost.model import EnvCost
from infragen.errors import InfragenError


class BaselineError(InfragenError):
    """--compare-to names neither a manifest file nor a git ref that has the env."""


def baseline_cost(ref: str, config_dir: Path, templates_dir: Path, env: str) -> EnvCost:
    """A manifest file is priced with the current config's usage; a git ref with its own."""
    path = Path(ref)
    if path.is_file():
        from infragen.render.service import load_env

        loaded = load_env(config_dir, env)
        usage = {sid: stack.spec.usage for sid, stack in loaded.stacks.items()}
        return estimate_rendered(path.parent, usage)
    with tempfile.TemporaryDirectory(prefix="infragen-cost-") as tmp:
        config_at, templates_at = _checkout(ref, config_dir, templates_dir / env, Path(tmp))
        return estimate_env(config_at, templates_at.parent, env)


def _checkout(ref: str, config_dir: Path, env_dir: Path, dest: Path) -> tuple[Path, Path]:
    """Extract config_dir and env_dir as they are at `ref` into `dest`; their paths there."""
    top = _git(config_dir.resolve(), "rev-parse", "--show-toplevel").decode().strip()
    root = Path(top)
    rels = [str(p.resolve().relative_to(root)) for p in (config_dir, env_dir)]
    archive = _git(root, "archive", "--format=tar", ref, "--", *rels)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest / rels[0], dest / rels[1]


def _git(cwd: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise BaselineError("git is not installed", "pass a manifest file instead") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise BaselineError(
            f"--compare-to: git {args[0]} failed: {reason[0]}",
            "pass a git ref that has the config and templates_out/<env>/, or a manifest.json",
        )
    return done.stdout

"""Provenance: which commit a stack was deployed from, and whether the tree was clean.

Every deploy that writes a stack tags it `infragen:commit` (HEAD of the git repository
holding templates_out/, `none` outside one) and `infragen:dirty` (`true` when that
repository has uncommitted or untracked changes, `unknown` outside a repository: a release
unpacked from an archive has no tree to compare with, so it is not refused). The tags are
bookkeeping, like the fingerprint: they are left out of the unchanged check, so a new
commit alone never redeploys a stack; they are refreshed whenever the stack is written.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infragen.errors import EXIT_USAGE, InfragenError

COMMIT_TAG = "infragen:commit"
DIRTY_TAG = "infragen:dirty"
PROVENANCE_TAGS = (COMMIT_TAG, DIRTY_TAG)
NO_COMMIT = "none"


class DirtyTreeError(InfragenError):
    """A production deploy from uncommitted templates, without --allow-dirty."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Provenance:
    commit: str | None
    dirty: bool | None  # None: not in a git repository

    def tags(self) -> dict[str, str]:
        dirty = {True: "true", False: "false", None: "unknown"}[self.dirty]
        return {COMMIT_TAG: self.commit or NO_COMMIT, DIRTY_TAG: dirty}


def read_provenance(directory: Path, *, ignoring: Path | None = None) -> Provenance:
    """HEAD and cleanliness of the git work tree holding `directory`. `ignoring`: a file whose
    change does not count (the plan file `deploy --plan` applies, which `plan --save` has
    just written into the tree and which is checked against the deployment anyway)."""
    commit = _git(directory, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return Provenance(None, dirty=None)
    changes = _git(directory, "status", "--porcelain", "--untracked-files=normal")
    if changes and ignoring is not None:
        changes = _changes_without(directory, changes, ignoring)
    return Provenance(commit, dirty=changes != "")


def _changes_without(directory: Path, changes: str, path: Path) -> str:
    """`git status --porcelain` lines, less the one of `path`."""
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top is None:
        return changes
    target = path.resolve()
    return "\n".join(
        line
        for line in changes.splitlines()
        if (Path(top) / line.split(maxsplit=1)[-1]).resolve() != target
    )


def _git(directory: Path, *args: str) -> str | None:
    """git's stdout, stripped; None when git is missing or the command failed."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def check_clean(provenance: Provenance, env: str, *, production: bool, allow_dirty: bool) -> None:
    """A production env deploys only committed templates, unless --allow-dirty says so."""
    if not production or provenance.dirty is not True or allow_dirty:
        return
    raise DirtyTreeError(
        f"refusing to deploy production env {env!r}: the git work tree has uncommitted or "
        "untracked changes",
        "commit (and review) the change, then deploy; or pass --allow-dirty to deploy "
        "anyway (the stacks are tagged infragen:dirty=true)",
    )


def shown(tags: Mapping[str, str]) -> str:
    """`1a2b3c4d5e6f` or `1a2b3c4d5e6f (dirty)` from a deployed stack's tags; '' if untagged."""
    commit = tags.get(COMMIT_TAG)
    if commit is None:
        return ""
    text = commit[:12] if commit != NO_COMMIT else "no commit"
    return f"{text} (dirty)" if tags.get(DIRTY_TAG) == "true" else text


def without_bookkeeping(tags: Mapping[str, str], *bookkeeping: str) -> dict[str, str]:
    """The tags config asked for: without provenance (and the other keys given)."""
    skip = {*PROVENANCE_TAGS, *bookkeeping}
    return {k: v for k, v in tags.items() if k not in skip}

"""Write rendered environments into templates_out/ atomically, or compare (`--check`).

The new tree is built beside the old one and swapped in with renames, so a failure at any
point leaves the previous templates_out/ as it was; a run killed between the two renames is
repaired by the next one (`recover`). Only one render writes at a time (render.lock). Files
that are not infragen's (a README beside the env directories, notes inside one) are kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from infragen.errors import EXIT_USAGE, InfragenError
from infragen.render.lock import templates_lock

if TYPE_CHECKING:
    from collections.abc import Callable

    from infragen.render.render import RenderedEnv

# What render writes inside an env directory; any other file there is the user's and stays.
OWN_SUFFIXES = (".yaml", ".yml", ".json")
MANIFEST = "manifest.json"
README = "README.md"  # generated in each env directory


class TemplatesDirError(InfragenError):
    """templates_out/ cannot be written, or holds a file that is not UTF-8 text."""

    exit_code = EXIT_USAGE


@dataclass
class CheckResult:
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def expected_files(envs: list[RenderedEnv]) -> dict[str, str]:
    return {f"{env.name}/{rel}": body for env in envs for rel, body in env.files().items()}


def write_envs(
    out_dir: Path,
    envs: list[RenderedEnv],
    *,
    all_envs: bool,
    notes: list[str] | None = None,
    after: Callable[[], None] | None = None,
) -> list[str]:
    """Replace the rendered envs under out_dir; with all_envs, env dirs not rendered go too.

    Returns the relative paths whose content changed (written, or removed); what was
    repaired after an interrupted render is appended to `notes`; `after` runs once the tree
    is written, still holding the lock. An OSError
    (parent not a directory, not writable, disk full) leaves the old tree and is reported as
    a TemplatesDirError naming the path.
    """
    try:
        with templates_lock(out_dir):
            (notes if notes is not None else []).extend(recover(out_dir))
            changed = _write_envs(out_dir, envs, all_envs=all_envs)
            if after is not None:
                after()
            return changed
    except OSError as exc:
        where = exc.filename or out_dir
        raise TemplatesDirError(
            f"cannot write {out_dir}/: {exc.strerror or exc} ({where}); nothing was written",
            "check that its parent is a writable directory, or pass --templates-dir",
        ) from exc


def _write_envs(out_dir: Path, envs: list[RenderedEnv], *, all_envs: bool) -> list[str]:
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    files = expected_files(envs)
    rendered_names = {env.name for env in envs}
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; keep the user's mode
        if out_dir.is_dir():
            for child in out_dir.iterdir():
                if not _is_env_dir(child):
                    _copy(child, staging / child.name)
                elif child.name in rendered_names:
                    _keep_users_files(child, staging / child.name)
                elif not all_envs:
                    _copy(child, staging / child.name)
        for rel, body in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if not _link_if_same(out_dir / rel, body.encode("utf-8"), target):
                target.write_text(body, encoding="utf-8", newline="\n")
        changed = _changed(out_dir, staging)
        if changed:
            _swap(staging, out_dir)
        else:
            shutil.rmtree(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changed


def check_envs(out_dir: Path, envs: list[RenderedEnv], *, all_envs: bool) -> CheckResult:
    files = expected_files(envs)
    result = CheckResult()
    for rel, body in sorted(files.items()):
        path = out_dir / rel
        if not path.is_file():
            result.missing.append(rel)
        elif _read_text(path) != body:
            result.stale.append(rel)
    scope = None if all_envs else {env.name for env in envs}
    for rel in _tree(out_dir):
        if rel not in files and _is_ours(rel) and (scope is None or rel.split("/", 1)[0] in scope):
            result.extra.append(rel)
    return result


def recover(out_dir: Path) -> list[str]:
    """Finish what a killed render left: roll back a half-done swap, drop leftover trees.

    Called with the lock held, so no other run is between its renames. A missing out_dir
    beside a `.old-` tree means the kill came between the two renames: the old tree is the
    last complete one (the new one may be complete too, but nothing says so). Returns what
    was done, for the user.
    """
    done: list[str] = []
    olds = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*"), key=_mtime)
    if not out_dir.exists() and olds:
        os.rename(olds.pop(), out_dir)
        done.append(f"restored {out_dir}/ from an interrupted render")
    for leftover in [*olds, *out_dir.parent.glob(f".{out_dir.name}.new-*")]:
        shutil.rmtree(leftover, ignore_errors=True)
        done.append(f"removed {leftover.name}/ left by an interrupted render")
    return done


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _is_env_dir(path: Path) -> bool:
    return path.is_dir() and (path / MANIFEST).is_file()


def _is_ours(rel: str) -> bool:
    """A path under templates_out/ render would write or remove: in an env directory, a
    template, the manifest or the env's README (templates_out/README.md stays the user's)."""
    return "/" in rel and (rel.endswith(OWN_SUFFIXES) or rel.split("/")[1:] == [README])


def _keep_users_files(old_env: Path, new_env: Path) -> None:
    for path in old_env.rglob("*"):
        rel = path.relative_to(old_env).as_posix()
        if path.is_file() and not _is_ours(f"{old_env.name}/{rel}"):
            target = new_env / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(path, target)


def _read_text(path: Path) -> str:
    """A committed file as text with universal newlines (as `read_text` gives), or a
    TemplatesDirError at the first byte that is not UTF-8."""
    from infragen.config.loader import decode_utf8

    hint = "templates_out/ is generated: run `infragen render` to rewrite it"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplatesDirError(f"cannot read {path}: {exc.strerror or exc}", hint) from exc
    text = decode_utf8(raw, str(path), hint, TemplatesDirError)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _tree(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _changed(old: Path, new: Path) -> list[str]:
    old_files = set(_tree(old))
    new_files = set(_tree(new))
    changed = sorted(old_files ^ new_files)
    for rel in sorted(old_files & new_files):
        if _same_file(old / rel, new / rel):
            continue  # one inode, linked into the new tree: unchanged by construction
        if (old / rel).read_bytes() != (new / rel).read_bytes():
            changed.append(rel)
    return sorted(changed)


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, copy_function=_link_or_copy)
    else:
        _link_or_copy(src, dst)


# Render never edits a file in place: it builds a new tree and swaps it in. So the new tree
# can share the old one's unchanged files as hard links instead of copies: a render that
# changes one template of a large organisation neither copies nor rewrites the others, and
# they keep their mtime (which the render record, infragen.render.record, relies on).


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a filesystem without hard links
        shutil.copy2(src, dst)


def _link_if_same(old: Path, data: bytes, target: Path) -> bool:
    """Link `old` as `target` when it already holds exactly `data`."""
    try:
        if old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, target)
    except OSError:
        return False
    return True


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samestat(a.stat(), b.stat())
    except OSError:
        return False


def _swap(staging: Path, out_dir: Path) -> None:
    """Two renames; if the second fails, the first is undone."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    backup = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    os.rename(out_dir, backup)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)

"""One render at a time per templates_out/: an advisory lock on a file beside it.

Two renders of different envs each copy the envs they do not render from the current tree, so
without the lock the second swap would throw away the first one's work. The lock also makes it
safe to repair what a killed render left (see writer.recover).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infragen.errors import EXIT_USAGE, InfragenError

LOCK_TIMEOUT_ENV = "INFRAGEN_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 120.0
_POLL = 0.05


class TemplatesLockedError(InfragenError):
    exit_code = EXIT_USAGE


def lock_path(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.lock"


@contextmanager
def templates_lock(out_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock of `out_dir` for the block; wait at most `timeout` seconds for it."""
    if timeout is None:
        timeout = float(os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT)
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TemplatesLockedError(
                        f"another infragen render (pid {_holder(path)}) is writing "
                        f"{out_dir}/; waited {timeout:g} s",
                        f"let it finish and run again, or raise {LOCK_TIMEOUT_ENV}",
                    ) from None
                time.sleep(_POLL)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"

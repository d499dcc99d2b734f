"""A resident lint process: cfn-lint's rules loaded and its schemas warm, kept between runs.

A fresh `infragen lint` that has one changed template to lint spends ~1.5 s before and around
that template: importing cfn-lint (with sympy and networkx), loading its ~340 rules, then
loading the JSON schemas and compiling the patterns the first template needs. The lint itself
is ~0.1 s. With `infragen lint --server` (the pre-commit hook's setting) the first run starts
this process in the background; later runs hand it their templates over a Unix socket and get
the findings back. Every request is served by a fork of the warm process, so nothing one
request loads (a project's team rules from `.cfnlintrc`) leaks into the next, and a request
with many templates is spread over forked workers as a local run would be.

Safe by construction rather than by care:
  * the socket lives in a directory only this user can enter (`$XDG_RUNTIME_DIR/infragen`, else
    `/tmp/infragen-<uid>`, created 0700 and refused if anyone else owns it or can enter it);
  * its name is a digest of the interpreter, infragen's version, cfn-lint's version and the
    source of infragen's lint package, so code that changed never talks to an old server;
  * the server holds an exclusive lock for its lifetime: two starts race to the lock, not the
    socket, and a crashed server leaves a lock anyone can take;
  * any failure on the client side (no server, a dead one, a bad answer) means linting
    locally, never a failed lint; the server exits after `IDLE_SECONDS` without a request.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

IDLE_SECONDS = 15 * 60
IDLE_ENV = "INFRAGEN_LINT_SERVER_IDLE"
#: A client gives up connecting after this long and lints locally.
CONNECT_TIMEOUT = 1.0
#: A whole request may lint hundreds of templates; a server silent this long is treated as hung.
ANSWER_TIMEOUT = 30 * 60
_HEADER = struct.Struct("!Q")
_LINT_DIR = Path(__file__).parent

Job = tuple[str, tuple[str, ...]]


class ServerUnavailable(Exception):
    """The server cannot serve this request: the caller lints locally."""


# --- where it lives -----------------------------------------------------------------------------


def runtime_dir() -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    return Path(base) / "infragen" if base else Path(f"/tmp/infragen-{os.getuid()}")


def private_dir() -> Path:
    """The socket's directory, made and checked: this user's, and nobody else's to enter."""
    directory = runtime_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.lstat()
    except OSError as exc:
        raise ServerUnavailable(f"{directory}: {exc.strerror}") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ServerUnavailable(f"{directory} is not a directory owned by this user")
    if info.st_mode & 0o077:
        raise ServerUnavailable(f"{directory} is open to other users (mode {info.st_mode:o})")
    return directory


def fingerprint() -> str:
    """What the answers depend on besides the request: interpreter, versions, lint code."""
    from infragen import __version__
    from infragen.lint.runner import cfnlint_version, rules_fingerprint

    digest = hashlib.sha256()
    for part in (sys.executable, __version__, cfnlint_version(), rules_fingerprint()):
        digest.update(part.encode())
    for file in sorted(_LINT_DIR.glob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def socket_path() -> Path:
    return private_dir() / f"lint-{fingerprint()}.sock"


def _lock_path(sock: Path) -> Path:
    return sock.with_suffix(".lock")


# --- the wire: a length, then that many bytes of JSON ---------------------------------------------


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    conn.sendall(_HEADER.pack(len(body)) + body)


def _receive(conn: socket.socket) -> dict[str, Any]:
    (size,) = _HEADER.unpack(_read_exactly(conn, _HEADER.size))
    message = json.loads(_read_exactly(conn, size))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = conn.recv(min(size, 1 << 20))
        if not chunk:
            raise ConnectionError("closed mid-message")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


# --- the client ---------------------------------------------------------------------------------


def lint_remote(jobs: Sequence[Job], workers: int) -> list[list[dict[str, Any]]]:
    """The findings of each job, linted by a running server; ServerUnavailable otherwise."""
    sock = socket_path()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(CONNECT_TIMEOUT)
            conn.connect(str(sock))
            conn.settimeout(ANSWER_TIMEOUT)
            _send(conn, {"cwd": str(Path.cwd()), "jobs": list(jobs), "workers": workers})
            answer = _receive(conn)
    except (OSError, ValueError, ConnectionError) as exc:
        raise ServerUnavailable(str(exc)) from exc
    results = answer.get("results")
    if not isinstance(results, list) or len(results) != len(jobs):
        raise ServerUnavailable(str(answer.get("error") or "malformed answer"))
    return results


def start_background(warm_dir: Path | None = None) -> None:
    """Start a server for later runs, detached from this one (its own session, no terminal).
    A server already running keeps the lock, so the new one exits at once."""
    try:
        sock = socket_path()
    except ServerUnavailable:
        return
    argv = [sys.executable, "-m", "infragen.lint.server", "--socket", str(sock)]
    if warm_dir is not None and warm_dir.is_dir():
        argv += ["--warm", str(warm_dir.resolve())]
    with contextlib.suppress(OSError):
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd="/",
        )


def running_pid(sock: Path | None = None) -> int | None:
    """The pid of the server for this interpreter and code, if one holds its lock."""
    try:
        sock = sock or socket_path()
        lock = _lock_path(sock)
        with lock.open("r") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                text = handle.read().strip()
                return int(text) if text.isdigit() else None
            return None  # nobody holds it: no server
    except (OSError, ServerUnavailable):
        return None


def stop() -> int | None:
    """Stop the running server (SIGTERM); its pid, or None when none was running."""
    pid = running_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    return pid


# --- the server ---------------------------------------------------------------------------------


def serve(sock: Path, *, idle: float = IDLE_SECONDS, warm_dir: Path | None = None) -> int:
    """Hold the lock, warm cfn-lint, then answer requests until idle. 0 when another server
    already runs (nothing to do)."""
    if sock != socket_path():
        # Started by a client running other code (another venv, an edited checkout): answers
        # from this process would not be the ones that client would compute.
        return 0
    lock = _lock_path(sock).open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0
    lock.truncate(0)
    lock.write(str(os.getpid()))
    lock.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Warm before listening: a client arriving meanwhile finds no server and lints locally
    # (~1.6 s) instead of queueing behind the warm-up (several seconds).
    _warm(warm_dir)
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()  # left by a server that died: the lock says none is running
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        listener.bind(str(sock))
    finally:
        os.umask(old_umask)
    listener.listen(8)
    try:
        listener.settimeout(idle)
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if not _children_running():
                    return 0
                continue
            _fork_to_answer(listener, conn)
            _children_running()
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()


def _warm(warm_dir: Path | None) -> None:
    """Load the rules, then lint templates covering every resource type under warm_dir once,
    so the schemas and patterns they need are in memory before the first fork."""
    from infragen.lint.runner import collect_targets, engine

    linter = engine()
    if warm_dir is None:
        return
    os.chdir(warm_dir)
    try:
        targets = collect_targets(templates_dir=Path("."))
    except Exception:  # a bad directory only means a colder server
        return
    finally:
        os.chdir("/")
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for target in targets:
        with contextlib.suppress(OSError):
            text = (warm_dir / target.path).read_text(encoding="utf-8")
            types = {
                (line.split(":", 1)[1].strip(), target.regions)
                for line in text.splitlines()
                if line.lstrip().startswith("Type: ")
            }
            if not types <= seen:
                seen |= types
                with contextlib.suppress(Exception):
                    linter.lint(text, target.regions)


def _fork_to_answer(listener: socket.socket, conn: socket.socket) -> None:
    pid = os.fork()
    if pid:
        conn.close()
        return
    status = 1
    try:
        listener.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _answer(conn)
        status = 0
    finally:
        os._exit(status)


def _answer(conn: socket.socket) -> None:
    from infragen.lint.runner import lint_jobs

    with conn:
        try:
            request = _receive(conn)
            os.chdir(request["cwd"])  # .cfnlintrc and the team rules it names are per project
            jobs = [(str(text), tuple(regions)) for text, regions in request["jobs"]]
            results = lint_jobs(jobs, max(1, int(request.get("workers", 1))))
            _send(conn, {"results": results})
        except Exception as exc:  # the client lints locally on any error
            with contextlib.suppress(OSError):
                _send(conn, {"error": f"{type(exc).__name__}: {exc}"})


def _children_running() -> bool:
    """Collect the answering children that finished; whether any is still at work."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m infragen.lint.server", description=__doc__)
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--warm", type=Path, help="lint these templates once to warm caches")
    parser.add_argument(
        "--idle",
        type=float,
        default=float(os.environ.get(IDLE_ENV) or IDLE_SECONDS),
        help=f"seconds without a request before exiting (default {IDLE_SECONDS}; {IDLE_ENV})",
    )
    args = parser.parse_args(argv)
    return serve(args.socket, idle=args.idle, warm_dir=args.warm)


if __name__ == "__main__":
    sys.exit(main())

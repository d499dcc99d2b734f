"""What the last render wrote, and from what: so a render with nothing changed does nothing,
and a render after a small change builds only the stacks whose inputs changed.

A record lives in `.infragen-cache/render/`, one file per templates directory. Per env it
holds the digest of the env's inputs (its two config files, infragen's code, the versions
of the libraries that shape a template, the interpreter), each stack's own digest and the
outputs its blueprint declared; for the whole templates directory, every file's size and
mtime right after the render wrote it.
Any doubt (no record, an unreadable one, a file touched since) means a full render. This
module imports only the standard library: the no-op path must not pay for pydantic,
troposphere or the blueprints.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

RECORD_DIR = Path(".infragen-cache") / "render"
FORMAT = 2
# Libraries whose version changes what a template looks like (troposphere's to_dict, awacs's
# policy documents, pydantic's coercions, PyYAML's parser for config).
LIBRARIES = ("troposphere", "awacs", "pydantic", "yaml")


@dataclass
class EnvRecord:
    inputs: str  # digest of everything `render --env NAME` reads
    stacks: dict[str, str] = field(default_factory=dict)  # stack id -> its build digest
    # stack id -> the outputs its blueprint declared for its vars (what a `!stack_output`
    # to a stack whose vars are not validated again is checked against)
    outputs: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Record:
    envs: dict[str, EnvRecord] = field(default_factory=dict)
    files: dict[str, list[int]] = field(default_factory=dict)  # rel path -> [size, mtime_ns]


def record_path(templates_dir: Path) -> Path:
    where = os.path.abspath(templates_dir)
    return RECORD_DIR / (hashlib.sha256(where.encode()).hexdigest()[:24] + ".json")


def load_record(templates_dir: Path) -> Record | None:
    """The last render's record, or None when there is none or it cannot be trusted."""
    try:
        data = json.loads(record_path(templates_dir).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("code") != code_stamp():
            return None
        envs = {
            name: EnvRecord(
                str(env["inputs"]),
                {str(k): str(v) for k, v in env["stacks"].items()},
                {str(k): [str(o) for o in v] for k, v in env["outputs"].items()},
            )
            for name, env in data["envs"].items()
        }
        return Record(envs, {str(k): list(v) for k, v in data["files"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def save_record(templates_dir: Path, record: Record) -> None:
    """Best effort, atomic: the record only saves time, so a failure to write is ignored."""
    path = record_path(templates_dir)
    data = {
        "format": FORMAT,
        "code": code_stamp(),
        "envs": {
            name: {"inputs": env.inputs, "stacks": env.stacks, "outputs": env.outputs}
            for name, env in sorted(record.envs.items())
        },
        "files": record.files,
    }
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def forget_record(templates_dir: Path) -> None:
    with contextlib.suppress(OSError):
        record_path(templates_dir).unlink(missing_ok=True)


def tree_stats(templates_dir: Path, env: str | None = None) -> dict[str, list[int]]:
    """Every file under templates_dir (or its `env/`), as rel path -> [size, mtime_ns]."""
    root = templates_dir / env if env else templates_dir
    found: dict[str, list[int]] = {}
    if not root.is_dir():
        return found
    base = len(str(templates_dir)) + 1
    for dirpath, _dirs, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            stat = os.stat(path)
            found[path[base:].replace(os.sep, "/")] = [stat.st_size, stat.st_mtime_ns]
    return found


def env_names(config_dir: Path) -> list[str]:
    """The envs of a config directory, as `infragen.config.project.list_envs` finds them
    (which cannot be imported here without pydantic); [] when there is no such directory."""
    if not config_dir.is_dir():
        return []
    return sorted(p.stem for p in config_dir.glob("*.yaml") if p.name != "defaults.yaml")


def files_of(files: dict[str, list[int]], env: str) -> dict[str, list[int]]:
    prefix = env + "/"
    return {rel: stat for rel, stat in files.items() if rel.startswith(prefix)}


def inputs_digest(config_dir: Path, env: str) -> str | None:
    """Digest of what rendering `env` reads (code, libraries, its config files); None when a
    file cannot be read."""
    digest = hashlib.sha256(code_stamp().encode())
    for path in (config_dir / "defaults.yaml", config_dir / f"{env}.yaml"):
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            content = b"\0<absent>"
        except OSError:
            return None
        digest.update(path.name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


@cache
def code_stamp() -> str:
    """infragen's version and code (each file's size and mtime, as make and git's index judge
    a file unchanged), the libraries' versions and the interpreter's."""
    import infragen

    digest = hashlib.sha256(f"{infragen.__version__} {sys.version}".encode())
    root = Path(infragen.__file__).parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".py", ".json", ".yaml")):
                stat = os.stat(os.path.join(dirpath, name))
                digest.update(f"{dirpath}/{name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for library in LIBRARIES:
        digest.update(f"{library}={_installed_version(library)}\n".encode())
    return digest.hexdigest()


def _installed_version(module: str) -> str:
    """The dist-info directory beside an installed package names its version; found without
    importing the package or importlib.metadata (which scans every path entry)."""
    from importlib.util import find_spec

    spec = find_spec(module)
    if spec is None or not spec.origin:
        return "absent"
    package_dir = Path(spec.origin).parent
    site = package_dir.parent
    wanted = _normal(_DISTRIBUTIONS.get(module, module))
    names = sorted(
        entry.name
        for entry in os.scandir(site)
        if entry.name.endswith((".dist-info", ".egg-info"))
        and _normal(entry.name.partition("-")[0]) == wanted
    )
    return ",".join(names) or f"unversioned:{package_dir}"


_DISTRIBUTIONS = {"yaml": "PyYAML"}


def _normal(name: str) -> str:
    return name.lower().replace("-", "_")

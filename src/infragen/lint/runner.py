"""Lint rendered templates with cfn-lint as a library plus infragen's rules: parallel and cached.

`run_lint` finds the templates, answers what it can from the content-hash cache (without importing
cfn-lint at all), and lints the rest in this process or in forked workers that inherit the rules
loaded once by the parent.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from infragen.errors import EXIT_FINDINGS, EXIT_OK, InfragenError
from infragen.facts.names import name_problem
from infragen.lint.team_rules import (
    TeamSettings,
    load_team_rules,
    rc_files,
    team_settings,
    with_team_rules,
)

DEFAULT_TEMPLATES_DIR = Path("templates_out")
DEFAULT_CACHE_DIR = Path(".infragen-cache") / "lint"
DEFAULT_REGION = "us-east-1"
MANIFEST = "manifest.json"
TEMPLATE_SUFFIXES = (".yaml", ".yml")
SEVERITIES = ("error", "warning", "informational")
CACHE_MAX_AGE_DAYS = 30
_LINT_DIR = Path(__file__).parent
_FACTS_DIR = _LINT_DIR.parent / "facts"


class LintUsageError(InfragenError):
    """Bad input to `infragen lint`: a missing path, no templates, a bad option (exit 2)."""


@dataclass(frozen=True, order=True)
class Finding:
    """One cfn-lint match, reduced to plain data (picklable, JSON-able, cacheable)."""

    file: str
    line: int
    col: int
    rule: str
    severity: str
    message: str
    end_line: int = 0
    end_col: int = 0
    path: str = ""

    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Target:
    """A template to lint and the regions its stack deploys to."""

    path: Path
    display: str
    regions: tuple[str, ...]


@dataclass
class LintReport:
    """Everything one lint run found, plus how much work it really did."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    linted: int = 0
    cached: int = 0
    #: Templates byte-identical to one linted in the same run (same regions): not linted again.
    identical: int = 0
    jobs: int = 1
    #: Linted by the resident lint server (`--server`) rather than in this process.
    by_server: bool = False

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def exit_code(self) -> int:
        """1 on any error or warning; informational findings never fail the run."""
        failing = any(f.severity in ("error", "warning") for f in self.findings)
        return EXIT_FINDINGS if failing else EXIT_OK

    def by_file(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault(finding.file, []).append(finding)
        return grouped


# --- finding the templates ----------------------------------------------------------------------


def collect_targets(
    paths: Sequence[str | Path] = (),
    *,
    envs: Sequence[str] = (),
    templates_dir: Path = DEFAULT_TEMPLATES_DIR,
) -> list[Target]:
    """Templates under the given files/directories (default: all of `templates_dir`)."""
    for env in envs:
        problem = name_problem(env, "environment")
        if problem:
            # `--env ..` would otherwise lint whatever YAML lies outside templates_out/.
            raise LintUsageError(
                f"--env {env}: {problem}",
                f"--env names a directory of {templates_dir}/; pass other files as PATHS",
            )
    roots: list[Path] = [templates_dir / env for env in envs] + [Path(p) for p in paths]
    if not roots:
        roots = [templates_dir]
    seen: dict[Path, Target] = {}
    for root in roots:
        if not root.exists():
            hint = (
                "run `infragen render` first, or pass existing template files or directories"
                if root.is_relative_to(templates_dir)
                else "pass existing template files or directories"
            )
            raise LintUsageError(f"{root}: no such file or directory", hint)
        files = [root] if root.is_file() else sorted(_template_files(root))
        if not files:
            raise LintUsageError(
                f"{root}: no templates (*.yaml, *.yml) found",
                "run `infragen render` first, or point at a directory of rendered templates",
            )
        for file in files:
            resolved = file.resolve()
            if resolved not in seen:
                seen[resolved] = Target(file, _display(file), _regions_for(resolved))
    return sorted(seen.values(), key=lambda t: t.display)


def _template_files(directory: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(TEMPLATE_SUFFIXES):
                yield Path(dirpath) / name


def _display(path: Path) -> str:
    """Path as the user will click it: relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _regions_for(template: Path) -> tuple[str, ...]:
    """Region of this template's stack in the nearest `manifest.json` (its own `region`, else
    the manifest's), else us-east-1."""
    for directory in template.parents:
        stacks = _manifest_regions(directory)
        if stacks is not None:
            relative = template.relative_to(directory).as_posix()
            return (stacks.get(relative, stacks[""]),)
    return (DEFAULT_REGION,)


@cache
def _manifest_regions(directory: Path) -> dict[str, str] | None:
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LintUsageError(
            f"{manifest}: unreadable manifest ({exc})", "re-run `infragen render`"
        ) from exc
    stacks = data.get("stacks") if isinstance(data, dict) else None
    if not isinstance(stacks, dict):
        raise LintUsageError(
            f"{manifest}: not an infragen manifest (no 'stacks' mapping)",
            "re-run `infragen render`",
        )
    fallback = str(data.get("region") or DEFAULT_REGION)
    regions: dict[str, str] = {}
    for stack in stacks.values():
        if isinstance(stack, dict) and stack.get("template"):
            regions[str(stack["template"])] = str(stack.get("region") or fallback)
    regions[""] = fallback
    return regions


# --- the cache ----------------------------------------------------------------------------------


@cache
def rules_fingerprint() -> str:
    """Hash of infragen's rule code and the facts it reads: any edit invalidates cached results."""
    digest = hashlib.sha256()
    files = [_LINT_DIR / "_shared.py"]
    files += sorted((_LINT_DIR / "rules").glob("*.py"))
    files += sorted(_FACTS_DIR.glob("*.py")) + sorted((_FACTS_DIR / "data").glob("*.json"))
    for file in files:
        digest.update(file.relative_to(_LINT_DIR.parent).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@cache
def cfnlint_version() -> str:
    """cfn-lint's version.py, read without importing cfn-lint or importlib.metadata (which
    scans every path entry: ~0.1 s, as much as the rest of a warm run)."""
    from importlib.util import find_spec

    spec = find_spec("cfnlint")
    origin = Path(spec.origin) if spec is not None and spec.origin else None
    if origin is None or not (origin.parent / "version.py").is_file():
        raise LintUsageError("cfn-lint is not installed", "pip install infragen's dependencies")
    return (origin.parent / "version.py").read_text(encoding="utf-8")


def _settings_fingerprint() -> str:
    """The settings files cfn-lint reads (the user's and the project's `.cfnlintrc`) change
    what it reports, so they are part of the key, and so is the source of the team rules
    they name (`append_rules`, `custom_rules`)."""
    digest = hashlib.sha256()
    for rc in rc_files():
        digest.update(str(rc).encode() + b"\0" + rc.read_bytes())
    return digest.hexdigest()[:16] + team_settings().fingerprint()


def cache_key(content: bytes, regions: Sequence[str], settings: str = "") -> str:
    """Everything a template's findings depend on: its bytes, the linters, regions, settings."""
    material = {
        "template": hashlib.sha256(content).hexdigest(),
        "cfn-lint": cfnlint_version(),
        "rules": rules_fingerprint(),
        "regions": sorted(regions),
        "settings": settings,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def _cache_read(cache_dir: Path, key: str) -> list[dict[str, Any]] | None:
    entry = cache_dir / f"{key}.json"
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        os.utime(entry)  # mark as used, so pruning keeps it
    except (OSError, ValueError):
        return None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list) or not all(
        isinstance(item, dict) and item.keys() == _FINDING_KEYS for item in findings
    ):
        return None  # not written by this version: lint again
    return findings


def _cache_write(cache_dir: Path, key: str, findings: list[dict[str, Any]]) -> None:
    """Write atomically (temp file + rename) so a crash never leaves a half-written entry.

    Best effort: the cache only saves time, so a read-only or full disk never fails a lint.
    """
    final = cache_dir / f"{key}.json"
    temp = cache_dir / f".{key}.{os.getpid()}.tmp"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps({"findings": findings}, sort_keys=True), encoding="utf-8")
        os.replace(temp, final)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _cache_prune(cache_dir: Path, max_age_days: int = CACHE_MAX_AGE_DAYS) -> None:
    """Drop entries unused for a while (old template versions), so the cache stays small."""
    import time

    cutoff = time.time() - max_age_days * 86400
    for entry in cache_dir.glob("*.json"):
        try:
            if entry.stat().st_mtime < cutoff:
                entry.unlink()
        except OSError:
            continue


# --- linting ------------------------------------------------------------------------------------


class _Engine:
    """cfn-lint's core rules plus infragen's, loaded once per process."""

    def __init__(self) -> None:
        from cfnlint.config import ConfigMixIn
        from cfnlint.decode.decode import decode_str
        from cfnlint.rules import Rules
        from cfnlint.runner.template.runner import run_template_by_data

        self._config_cls = ConfigMixIn
        self._decode = decode_str
        self._run = run_template_by_data
        self.rules = Rules()
        default_rules_dir = str(Path(sys.modules["cfnlint.rules"].__file__).parent)
        self.rules.update(Rules.create_from_directory(default_rules_dir))
        self.rules.update(Rules.create_from_module("infragen.lint.rules"))
        self._own_rules = self.rules
        self._team_rules: tuple[str, TeamSettings, str] = ("", TeamSettings(), "")
        self._configs: dict[tuple[str, ...], Any] = {}

    def reread_settings(self) -> None:
        """Forget configs built earlier: the next lint reads `.cfnlintrc` again, including the
        team rules its `append_rules` and `custom_rules` name."""
        self._configs.clear()
        settings = team_settings()
        # Relative entries mean another directory after a chdir; an edited rule file, new code.
        loaded = (str(Path.cwd()), settings, settings.fingerprint())
        if loaded != self._team_rules:
            self.rules = with_team_rules(self._own_rules, load_team_rules(settings))
            self._team_rules = loaded

    def _config(self, regions: tuple[str, ...]) -> Any:
        if regions not in self._configs:
            self._configs[regions] = self._config_cls([], regions=list(regions))
        return self._configs[regions]

    def lint(self, text: str, regions: tuple[str, ...]) -> list[dict[str, Any]]:
        """Findings of one template as plain dicts (no file name: the caller knows it)."""
        template, matches = self._decode(text)
        if not matches and template is not None:
            matches = list(self._run(template, self._config(regions), self.rules))
        return [_plain(match) for match in matches]


_FINDING_KEYS = {"line", "col", "end_line", "end_col", "rule", "severity", "message", "path"}


def _plain(match: Any) -> dict[str, Any]:
    path = getattr(match, "path", None) or []
    return {
        "line": match.linenumber,
        "col": match.columnnumber,
        "end_line": match.linenumberend,
        "end_col": match.columnnumberend,
        "rule": match.rule.id,
        "severity": match.rule.severity,
        "message": match.message,
        "path": "/".join(str(part) for part in path),
    }


_ENGINE: _Engine | None = None


def engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def lint_text(text: str, regions: Sequence[str] = (DEFAULT_REGION,)) -> list[dict[str, Any]]:
    """Lint one template's text in this process (rules loaded on first use)."""
    linter = engine()
    linter.reread_settings()
    return linter.lint(text, tuple(regions))


def _lint_job(job: tuple[str, tuple[str, ...]]) -> list[dict[str, Any]]:
    return engine().lint(*job)


def lint_jobs(jobs: list[tuple[str, tuple[str, ...]]], workers: int) -> list[list[dict]]:
    """Lint in-process, or over forked workers that inherit the parent's loaded rules."""
    import multiprocessing

    # Load once here: forked workers inherit it instead of loading it again.
    engine().reread_settings()
    if workers <= 1:
        return [_lint_job(job) for job in jobs]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # Largest first so one big template does not finish alone at the end.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
    results: list[list[dict]] = [[] for _ in jobs]
    # Move everything loaded so far out of the collector's reach: forked workers then do not
    # touch (and copy-on-write) the parent's pages on every collection (~7% faster, bench/lint.py).
    gc.freeze()
    try:
        with context.Pool(workers) as pool:
            ordered = pool.imap(_lint_job, [jobs[i] for i in order], chunksize=1)
            for index, found in zip(order, ordered, strict=True):
                results[index] = found
    finally:
        gc.unfreeze()
    return results


def _lint_unique(
    jobs: list[tuple[str, tuple[str, ...]]], workers: int, report: LintReport, server: bool
) -> list[list[dict]]:
    lint_server = _server_module() if server else None
    if lint_server is not None:
        try:
            results = lint_server.lint_remote(jobs, workers)
        except lint_server.ServerUnavailable:
            pass  # none running yet, or it failed: lint here; run_lint starts one for next time
        else:
            report.by_server = True
            return results
    return lint_jobs(jobs, workers)


def _server_module() -> Any:
    """infragen.lint.server, or None where it cannot work (no Unix sockets or fcntl: Windows);
    `--server` then just lints here."""
    try:
        from infragen.lint import server
    except ImportError:
        return None
    return server if hasattr(server.socket, "AF_UNIX") else None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_lint(
    paths: Sequence[str | Path] = (),
    *,
    envs: Sequence[str] = (),
    jobs: int | None = None,
    use_cache: bool = True,
    cache_dir: Path = DEFAULT_CACHE_DIR,
    templates_dir: Path = DEFAULT_TEMPLATES_DIR,
    server: bool = False,
) -> LintReport:
    """Lint templates (default: everything under `templates_out/`) and report every finding.

    With `server`, what the cache does not answer goes to the resident lint server
    (`infragen.lint.server`), which is started in the background when none runs yet.
    """
    if jobs is not None and jobs < 1:
        raise LintUsageError(f"--jobs must be at least 1, got {jobs}", "omit it to use every CPU")
    targets = collect_targets(paths, envs=envs, templates_dir=templates_dir)
    report = LintReport(files=[t.display for t in targets])
    results: dict[str, list[dict[str, Any]]] = {}
    pending: list[tuple[Target, str, str]] = []
    settings = _settings_fingerprint()
    for target in targets:
        content = target.path.read_bytes()
        key = cache_key(content, target.regions, settings)
        hit = _cache_read(cache_dir, key) if use_cache else None
        if hit is not None:
            results[target.display] = hit
            report.cached += 1
        else:
            pending.append((target, key, content.decode("utf-8", errors="replace")))

    if pending:
        # Templates with the same key (bytes, regions, settings) get the same findings: the
        # engine never sees a file name, so each body is linted once and its findings shared.
        unique: dict[str, tuple[str, tuple[str, ...]]] = {}
        for target, key, text in pending:
            unique.setdefault(key, (text, target.regions))
        # At most one worker per template. Measured on 2 CPUs: forking (~20 ms) already pays off
        # for 2 templates (0.17 s vs 0.27 s in-process), so only a single template stays
        # in-process.
        workers = min(jobs or default_jobs(), len(unique))
        report.jobs = workers
        linted = _lint_unique(list(unique.values()), workers, report, server)
        found = dict(zip(unique, linted, strict=True))
        for target, key, _ in pending:
            results[target.display] = found[key]
        if use_cache:
            for key, findings in found.items():
                _cache_write(cache_dir, key, findings)
        report.linted = len(unique)
        report.identical = len(pending) - len(unique)
        if use_cache:
            _cache_prune(cache_dir)

    lint_server = _server_module() if server and not report.by_server else None
    if lint_server is not None and lint_server.running_pid() is None:
        lint_server.start_background(templates_dir)
    for display, findings in results.items():
        report.findings.extend(Finding(file=display, **item) for item in findings)
    report.findings.sort()
    return report


def finding_dict(finding: Finding) -> dict[str, Any]:
    return asdict(finding)

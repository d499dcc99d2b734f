"""A team's own cfn-lint rules: Python rules named by `append_rules` in `.cfnlintrc`, and the
one-line rules of the file its `custom_rules` names (cfn-lint's custom rules format).

Plain `cfn-lint` loads both (`cfnlint/runner/cli.py`, `_get_rules`); infragen builds its rule set
itself, so it reads the same settings here. Read without importing cfn-lint, so the lint cache
can key on the rules' source while a warm run still never imports cfn-lint.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infragen.errors import InfragenError

#: cfn-lint's own names for its settings file, home directory first (`cfnlint/config.py`).
RC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")
#: The rule files cfn-lint imports from a directory (`cfnlint/helpers.py`, `load_plugins`).
RULE_FILE_PATTERN = "[A-Za-z1-9]*.py"


class TeamRulesError(InfragenError):
    """`append_rules` in `.cfnlintrc` names rules that cannot be loaded (exit 2)."""


def rc_files() -> list[Path]:
    """The user-level then the project-level settings file cfn-lint would read."""
    found: list[Path] = []
    for directory in (Path.home(), Path.cwd()):
        for name in RC_NAMES:
            if (directory / name).is_file():
                found.append(directory / name)
                break
    return found


@dataclass(frozen=True)
class TeamSettings:
    """The team-rule settings of `.cfnlintrc` as cfn-lint merges them: for each key, the
    project's file replaces the user's."""

    append_rules: tuple[str, ...] = ()
    custom_rules: str | None = None

    def fingerprint(self) -> str:
        return team_rules_fingerprint(self.append_rules, self.custom_rules)


def team_settings() -> TeamSettings:
    """`append_rules` and `custom_rules` of the settings files cfn-lint would read, each file
    parsed once."""
    paths: tuple[str, ...] = ()
    custom: str | None = None
    for rc in rc_files():
        data = _read_rc(rc)
        value = data.get("append_rules")
        if value is not None:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise TeamRulesError(
                    f"{rc}: append_rules must be a list of rule directories or module paths",
                    "write e.g. `append_rules: [lint_rules]`",
                )
            paths = tuple(value)
        value = data.get("custom_rules")
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise TeamRulesError(
                    f"{rc}: custom_rules must be the path of a cfn-lint custom rules file",
                    "write e.g. `custom_rules: lint/custom_rules.txt`",
                )
            custom = value
    return TeamSettings(paths, custom)


def _read_rc(rc: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(rc.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TeamRulesError(f"{rc}: unreadable ({exc})", "fix the YAML") from exc
    return data if isinstance(data, dict) else {}


def rule_files(path: str) -> list[Path]:
    """The source files behind one `append_rules` entry: a directory's rule files (as cfn-lint
    picks them), or a module path's file; [] when a module cannot be found."""
    directory = Path(os.path.expanduser(path))
    if directory.is_dir():
        return sorted(
            Path(root) / name
            for root, _, names in os.walk(directory)
            for name in fnmatch.filter(names, RULE_FILE_PATTERN)
        )
    try:
        spec = importlib.util.find_spec(path)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        return []
    return [Path(spec.origin)]


def team_rules_fingerprint(paths: tuple[str, ...], custom: str | None = None) -> str:
    """Hash of the appended rules' names and source and of the custom rules file: editing a
    team rule re-lints."""
    if not paths and not custom:
        return ""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode() + b"\0")
        for file in rule_files(path):
            digest.update(str(file).encode() + b"\0" + file.read_bytes())
    if custom:
        digest.update(b"custom_rules\0" + custom.encode() + b"\0")
        try:
            digest.update(Path(os.path.expanduser(custom)).read_bytes())
        except OSError:
            digest.update(b"unreadable")  # loading it says why, with exit 2
    return digest.hexdigest()[:16]


def load_team_rules(settings: TeamSettings) -> list[Any]:
    """cfn-lint `Rules` for each `append_rules` entry and for the custom rules file, loaded the
    way plain cfn-lint loads them."""
    from cfnlint.rules import Rules

    paths, custom = settings.append_rules, settings.custom_rules
    loaded = []
    if custom:
        try:
            loaded.append(Rules.create_from_custom_rules_file(os.path.expanduser(custom)))
        except OSError as exc:
            raise TeamRulesError(
                f".cfnlintrc: custom_rules file {custom!r} cannot be read ({exc.strerror})",
                "give the path of a cfn-lint custom rules file, relative to where you run infragen",
            ) from exc
    for path in paths:
        try:
            if os.path.isdir(os.path.expanduser(path)):
                loaded.append(Rules.create_from_directory(path))
            else:
                loaded.append(Rules.create_from_module(path))
        except (OSError, ImportError) as exc:
            raise TeamRulesError(
                f".cfnlintrc: append_rules entry {path!r} cannot be loaded ({exc})",
                "name a directory of rule files (relative to where you run infragen) "
                "or an importable module",
            ) from exc
    return loaded


def with_team_rules(own: Any, team: list[Any]) -> Any:
    """A new `Rules` of infragen's rules plus the team's. A rule infragen already has (the
    README's `append_rules: [src/infragen/lint/rules]` for plain cfn-lint) is kept once; a team
    rule reusing an id for something else is an error, as it is under plain cfn-lint."""
    if not team:
        return own
    from cfnlint.rules import Rules

    merged = Rules(own.data)
    for rules in team:
        for rule_id, rule in rules.data.items():
            known = merged.data.get(rule_id)
            if known is None:
                merged[rule_id] = rule
            elif type(known).__name__ != type(rule).__name__:
                raise TeamRulesError(
                    f".cfnlintrc: append_rules: rule id {rule_id} of {type(rule).__name__} is "
                    f"already {type(known).__name__}'s",
                    "give the team rule an unused id in the E9xxx/W9xxx/I9xxx range",
                )
    return merged

"""One exception family: every user-facing failure carries a message, a hint and an exit code."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class Location:
    """Where in a config file a value came from (1-based line and column)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class InfragenError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        location: Location | None = None,
        stack: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location
        self.stack = stack

    def render(self) -> str:
        """One line `file:line:col: message`, then the hint indented below it."""
        where = f"{self.location}: " if self.location else ""
        who = f"[{self.stack}] " if self.stack and not self.location else ""
        text = f"{where}{who}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(InfragenError):
    """Bad configuration: reported before anything is written (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigErrors(InfragenError):
    """Every configuration error found in one run, reported together."""

    exit_code = EXIT_USAGE

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = sorted(errors, key=_error_sort_key)
        count = len(self.errors)
        super().__init__(f"{count} configuration error{'s' if count != 1 else ''}")

    def render(self) -> str:
        lines = [error.render() for error in self.errors]
        lines.append(f"{self.message}; nothing was written")
        return "\n".join(lines)


class StaleTemplatesError(InfragenError):
    """`render --check` found committed templates that differ from the config."""

    exit_code = EXIT_FINDINGS


class BlueprintError(InfragenError):
    """A blueprint could not be found or loaded."""

    exit_code = EXIT_USAGE


class AwsError(InfragenError):
    """An AWS call failed in a way the user has to act on."""

    exit_code = EXIT_FINDINGS


def _error_sort_key(error: ConfigError) -> tuple[str, int, int, str]:
    loc = error.location
    if loc is None:
        return ("~", 0, 0, error.message)
    return (loc.file, loc.line, loc.col, error.message)

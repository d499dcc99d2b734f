"""Hooks: commands config runs around a stack's deploy or delete, with the stack's context.

A hook is an argv list (run without a shell) or `{shell: "..."}`. It runs in the project
root (the directory holding templates_out/) with the caller's environment plus:

- INFRAGEN_PROJECT, INFRAGEN_ENV, INFRAGEN_APP, INFRAGEN_STACK (the name within the app),
  INFRAGEN_STACK_ID (`app/stack`), INFRAGEN_STACK_NAME (CloudFormation's), INFRAGEN_HOOK
  (the event), AWS_REGION and AWS_DEFAULT_REGION (the stack's region);
- INFRAGEN_OUTPUT_<APP>__<STACK>__<Output> for every output of the stack itself and of the
  stacks it depends on, as deployed when the hook starts (APP and STACK upper-cased with
  `-` as `_`; double underscores keep `a-b`/`c` apart from `a`/`b-c`);
- INFRAGEN_HOOK_ENV: a file the hook may append `NAME=value` lines to. Those variables are
  passed on: to the hooks after it, and to the stack's `!env` parameters, which is how a
  before_deploy hook hands over the artifact it built (a zip's key, an image tag).

A non-zero exit, or a program that cannot be started, fails the stack; the walker then
skips its dependents as for a failed deploy. Only the hook's own output is shown (prefixed
with the stack id), never the environment it was given; values of variables named like
secrets, and those feeding the stack's NoEcho parameters, are shown as `****` in it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infragen.errors import InfragenError

if TYPE_CHECKING:
    from infragen.deploy.context import Context
    from infragen.deploy.manifest import ManifestStack

BEFORE_DEPLOY = "before_deploy"
AFTER_DEPLOY = "after_deploy"
BEFORE_DELETE = "before_delete"
AFTER_DELETE = "after_delete"
EVENTS = (BEFORE_DEPLOY, AFTER_DEPLOY, BEFORE_DELETE, AFTER_DELETE)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class HookFailedError(InfragenError):
    """A hook exited non-zero, could not be started, or passed on a malformed line."""

    exit_code = 1


@dataclass(frozen=True)
class HookCommand:
    argv: tuple[str, ...] = ()
    shell: str | None = None

    def display(self) -> str:
        return (
            f"sh -c {shlex.quote(self.shell)}" if self.shell is not None else shlex.join(self.argv)
        )


Hooks = dict[str, tuple[HookCommand, ...]]


def parse_hooks(raw: Mapping[str, Any]) -> Hooks:
    """The manifest's `hooks` entry (`{"argv": [...]}` or `{"shell": "..."}` per command)."""
    return {
        event: tuple(
            HookCommand(shell=c["shell"])
            if c.get("shell") is not None
            else HookCommand(argv=tuple(c["argv"]))
            for c in commands
        )
        for event, commands in raw.items()
        if commands
    }


def output_variable(stack_id: str, output: str) -> str:
    """`cat-detector/table`, `TableName` -> `INFRAGEN_OUTPUT_CAT_DETECTOR__TABLE__TableName`."""
    app, _, name = stack_id.partition("/")
    return "__".join(("INFRAGEN_OUTPUT_" + _upper(app), _upper(name), re.sub(r"\W", "_", output)))


def _upper(part: str) -> str:
    return re.sub(r"\W", "_", part).upper()


def run_hooks(
    context: Context, stack: ManifestStack, event: str, environ: Mapping[str, str]
) -> dict[str, str]:
    """Run the stack's hooks for `event` in order; the variables they passed on.

    Raises HookFailedError at the first failing hook (the rest do not run).
    """
    commands = stack.hooks.get(event, ())
    passed: dict[str, str] = {}
    if not commands:
        return passed
    base = {**environ, **hook_context(context, stack, event)}
    for index, command in enumerate(commands, start=1):
        label = f"{event} hook {index}/{len(commands)}"
        context.reporter.note(stack.id, f"{label}: {command.display()}")
        current = {**base, **passed}
        hidden = secret_values(stack, current)
        passed.update(_run_one(context, stack, label, command, current, hidden))
    if passed:
        # Names only: a passed-on value may be a secret.
        context.reporter.note(stack.id, f"{event} passed on: {', '.join(sorted(passed))}")
    return passed


def hook_context(context: Context, stack: ManifestStack, event: str) -> dict[str, str]:
    """The variables describing the stack (module docstring), outputs included."""
    manifest = context.manifest
    app, _, name = stack.id.partition("/")
    variables = {
        "INFRAGEN_PROJECT": manifest.project,
        "INFRAGEN_ENV": manifest.env,
        "INFRAGEN_APP": app,
        "INFRAGEN_STACK": name,
        "INFRAGEN_STACK_ID": stack.id,
        "INFRAGEN_STACK_NAME": stack.name,
        "INFRAGEN_HOOK": event,
        "AWS_REGION": stack.region,
        "AWS_DEFAULT_REGION": stack.region,
    }
    for source in (*sorted(stack.depends_on), stack.id):
        info = context.states.get(source)
        for output, value in sorted((info.outputs if info else {}).items()):
            variables[output_variable(source, output)] = value
    return variables


#: The shell's working directories: `pwd` reads as a password abbreviation (`DB_PWD`), but
#: masking these hid the project's path in every hook line that named a file.
SHELL_DIRECTORIES = frozenset({"PWD", "OLDPWD"})


def secret_values(stack: ManifestStack, environ: Mapping[str, str]) -> list[str]:
    """Values a hook's output is shown without: those of variables named like secrets
    (AWS_SECRET_ACCESS_KEY, DB_PASSWORD) and of the `!env` variables that feed the stack's
    NoEcho parameters. Longest first, so a value inside another is not half masked."""
    from infragen.facts.secrets import looks_secret

    feeding = {
        spec["source"]["name"]
        for spec in stack.parameters.values()
        if spec.get("no_echo") and spec.get("source", {}).get("kind") == "env"
    }
    values = {
        v
        for k, v in environ.items()
        if (k in feeding or (looks_secret(k) and k not in SHELL_DIRECTORIES)) and len(v) >= 4
    }
    return sorted(values, key=len, reverse=True)


def project_root(context: Context) -> Path:
    """The directory holding templates_out/ (manifests live in templates_out/<env>/)."""
    return context.manifest.root.resolve().parent.parent


def _run_one(
    context: Context,
    stack: ManifestStack,
    label: str,
    command: HookCommand,
    environ: dict[str, str],
    hidden: list[str],
) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="infragen-hook-") as scratch:
        passed_file = Path(scratch) / "env"
        passed_file.touch()
        environ = {**environ, "INFRAGEN_HOOK_ENV": str(passed_file)}
        code = _stream(context, stack, label, command, environ, hidden)
        if code != 0:
            raise HookFailedError(
                f"{label} ({command.display()}) exited with {code}",
                "its output is above, prefixed with the stack id; fix the command or the "
                "stack's `hooks:` in config, render and deploy again",
                stack=stack.id,
            )
        return _passed_on(passed_file.read_text(encoding="utf-8"), label, stack.id)


def _stream(
    context: Context,
    stack: ManifestStack,
    label: str,
    command: HookCommand,
    environ: dict[str, str],
    hidden: list[str],
) -> int:
    """Run the command, each output line shown as it comes; its exit code."""
    root = project_root(context)
    try:
        process = subprocess.Popen(
            command.shell if command.shell is not None else list(command.argv),
            shell=command.shell is not None,
            cwd=root,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except FileNotFoundError as exc:
        raise HookFailedError(
            f"{label}: program {command.argv[0]!r} not found (looked on PATH and in {root})",
            "install it, or fix the first item of the hook's argv list in config "
            "(a script in the repository is given by its path from the project root)",
            stack=stack.id,
        ) from exc
    except PermissionError as exc:
        raise HookFailedError(
            f"{label}: {command.argv[0]!r} is not executable",
            f"`chmod +x {command.argv[0]}`, or run it through its interpreter "
            "(e.g. [python3, path/to/script.py])",
            stack=stack.id,
        ) from exc
    assert process.stdout is not None
    with process.stdout:
        for line in process.stdout:
            for value in hidden:
                line = line.replace(value, "****")
            context.reporter.note(stack.id, f"{label}> {line.rstrip()}")
    return process.wait()


def _passed_on(text: str, label: str, stack_id: str) -> dict[str, str]:
    passed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not _NAME_RE.match(name):
            raise HookFailedError(
                f"{label}: line {number} of $INFRAGEN_HOOK_ENV is not NAME=value",
                "write one `NAME=value` per line (NAME: letters, digits, underscores)",
                stack=stack_id,
            )
        passed[name] = value
    return passed

"""`make demo`: render, lint, then deploy the example `dev` environment to infragen's local
AWS emulator (`infragen emulator`, on 127.0.0.1) with the default method (change sets),
redeploy it as a no-op, show status and outputs, delete it, and time every step.

No AWS account needed: fake credentials, and every AWS call goes to the emulator. The
demo fails unless every `dev` stack is created (0 failed, 0 skipped), the redeploy
leaves every stack unchanged, and the delete removes every stack.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import example_artifacts  # scripts/, next to this file

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator

REPO = Path(__file__).resolve().parent.parent
INFRAGEN = [sys.executable, "-m", "infragen"]
LOG = REPO / ".infragen-cache" / "demo-emulator.log"
REGION = "us-east-1"
SUMMARY = re.compile(r"^(\d+) stacks?: (.*)$", re.MULTILINE)

timings: list[tuple[str, float]] = []


class DemoFailed(SystemExit):
    pass


@contextmanager
def timed(title: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings.append((title, time.perf_counter() - start))


def step(title: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run `infragen ARGS`, echoing its output as it comes; fail the demo on a non-zero
    exit. Returns the output."""
    print(f"\n$ infragen {' '.join(args)}    # {title}", flush=True)
    lines: list[str] = []
    with timed(f"{title} (infragen {args[0]})"):
        process = subprocess.Popen(
            [*INFRAGEN, *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        code = process.wait()
    if code != 0:
        raise DemoFailed(f"demo failed at: infragen {' '.join(args)} (exit {code})")
    return "".join(lines)


def counts(output: str) -> tuple[int, dict[str, int]]:
    """The deploy/delete summary line, e.g. "51 stacks: 51 created" -> (51, {created: 51})."""
    match = SUMMARY.search(output)
    if match is None:
        raise DemoFailed("no summary line in the output above")
    found = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", match.group(2))}
    return int(match.group(1)), found


def expect_all(output: str, outcome: str, what: str) -> int:
    total, found = counts(output)
    if found != {outcome: total}:
        raise DemoFailed(f"{what}: expected all {total} stacks {outcome}, got {found}")
    return total


def start_emulator() -> Emulator:
    """`infragen emulator`'s code, in this process: the demo seeds hosted zones with the
    ids the config names, which only the in-process emulator can do. moto logs every
    request it cannot serve, which would bury the demo, so its log goes to a file."""
    import logging

    from infragen.emulator.server import start

    LOG.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        handlers=[logging.FileHandler(LOG, mode="w")], level=logging.WARNING, force=True
    )
    logging.captureWarnings(True)
    return start("127.0.0.1", 0)


def emulator_env(endpoint: str) -> dict[str, str]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        # Hooks run `python3` (cat-detector packs its Lambda code): this venv's, as if
        # activated.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        env.pop(name, None)
    return env


def print_timings() -> None:
    print("\nHow long each step took:")
    width = max(len(title) for title, _ in timings)
    for title, seconds in timings:
        print(f"  {title:<{width}}  {seconds:6.2f} s")
    print(f"  {'total':<{width}}  {sum(s for _, s in timings):6.2f} s")


def main() -> None:
    try:
        run()
    finally:
        if timings:
            print_timings()


def run() -> None:
    step("render every environment", "render")
    step("committed templates match the config", "render", "--check")
    step("cfn-lint plus infragen rules", "lint")

    with timed("start the AWS emulator"):
        emulator = start_emulator()
    print(f"\nAWS emulator (infragen emulator) listening on {emulator.endpoint}; its log: "
          f"{LOG.relative_to(REPO)}")  # fmt: skip
    env = emulator_env(emulator.endpoint)
    try:
        with timed("seed the artifacts the example expects"):
            example_artifacts.seed(emulator, REPO / "templates_out" / "dev")
        step("what would change (change sets, not executed)", "plan", "--env", "dev", env=env)
        created = expect_all(
            step("deploy dev in dependency order, with change sets", "deploy", "--env", "dev",
                 env=env),
            "created", "first deploy",
        )  # fmt: skip
        expect_all(
            step("deploy again: every stack unchanged", "deploy", "--env", "dev", env=env),
            "unchanged", "second deploy",
        )  # fmt: skip
        step("what is deployed", "status", "--env", "dev", env=env)
        step("stack outputs", "outputs", "--env", "dev", env=env)
        deleted = expect_all(
            step("delete dev, consumers first", "delete", "--env", "dev", "--yes", env=env),
            "deleted", "delete",
        )  # fmt: skip
    finally:
        with timed("stop the AWS emulator"):
            emulator.stop()
        print("\nAWS emulator stopped")
    print(f"\ndev: {created} stacks created with change sets (0 failed, 0 skipped), "
          f"{created} unchanged on redeploy, {deleted} deleted")  # fmt: skip


if __name__ == "__main__":
    main()

"""Deploy benchmark, measured in one run on infragen's local AWS emulator (`infragen
emulator`: moto plus infragen's models and fixes, on 127.0.0.1).

(a) infragen vs Sceptre on the same synthetic 30-stack DAG and the same template files:
    * first deploy: `infragen deploy --env dev` (change sets, the default) against
      `sceptre launch -y dev` (CreateStack);
    * no-op redeploy of the unchanged stacks (median of several runs), where infragen's
      fingerprint skip makes one DescribeStacks per stack and no write call.
    Emulator caveat: moto's UpdateStack never answers "No updates are to be performed", it
    runs an update, so Sceptre's no-op on moto is a real (emulated) update plus Sceptre's
    fixed 4 s poll sleeps. Against AWS, Sceptre would stop at that error without waiting.
    So Sceptre is also timed with every `time.sleep` removed (a sitecustomize shim in its
    process, bench/work/sceptre-nosleep/): its API work and level batching only, a fair
    lower bound. The target is judged against that lower bound.
    The stacks are the built-in `network` blueprint (one AZ, no NAT, no flow logs) wired
    into a seeded random DAG with `depends_on`. Sceptre gets the rendered templates copied
    into its project (bench/work/deploy-sceptre/, gitignored) with the same dependencies,
    under different stack names, on the same emulator. Both run as subprocesses and reach
    the emulator through AWS_ENDPOINT_URL with fake credentials.
    Target: no-op redeploy at least 5x faster than Sceptre.

(b) A timed simulation of scheduling policies on seeded random DAGs with random stack
    durations: infragen's real walker (`infragen.deploy.walker.walk`, steps that sleep
    their duration) against level batching (all stacks of a level, then the next level).
    Reported as makespan / critical path. Target: 1.0 for the ready pool (with enough
    workers, a stack starts exactly when its dependencies finish).

(c) The repository's example `dev` environment (every app, config/ copied to
    bench/work/example/) on a fresh emulator, with the artifacts it expects seeded as
    `make demo` does: the first deploy of the whole environment (change sets, the default)
    and the no-op redeploy (median of several runs). Reported, no target.

(d) Scale (`--scale 570`, the default; 0 skips): the same synthetic DAG at 570 stacks on
    ONE fresh emulator: infragen's first deploy, then `sceptre launch -y` (no sleeps) of the
    same templates as separately named stacks; `infragen plan --detailed-exitcode` (exit 0:
    nothing to change) and a no-op deploy, timed (median of 3 runs, 2 with --quick) and
    their CloudFormation calls counted in process, with the deployed-template record
    (.infragen-cache/deployed/) and without it (deleted before each run: a fresh clone);
    then Sceptre's no-op launch without sleeps and once with them. Target: <= 1 read call
    (Describe*/Get*/List*) per stack and no write, both ways. ~4 minutes (~3 with --quick).

Sceptre lives in bench/.venv-sceptre (shared with bench/render.py, created on first run).
Run with `make bench` or `.venv/bin/python bench/deploy.py [--quick] [--profile]
[--scale N] [--only-scale] [--no-sceptre-sleeps]`.
Never run by tests; no test asserts a wall-clock time.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
WORK = BENCH / "work"
PROJECT = WORK / "deploy"
SCEPTRE_PROJECT = WORK / "deploy-sceptre"
EXAMPLE = WORK / "example"
SCALE_PROJECT = WORK / "deploy-scale"
SCALE_SCEPTRE = WORK / "deploy-scale-sceptre"
TARGET_NOOP_RATIO = 5.0
SEED = 20261123

sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(REPO / "scripts"))  # example_artifacts, shared with `make demo`


class BenchError(Exception):
    pass


# ----------------------------------------------------------------- (a) the synthetic DAG


def random_dag(count: int, seed: int, max_deps: int = 2) -> dict[int, list[int]]:
    """Stack i depends on up to max_deps earlier stacks (so it is acyclic)."""
    rng = random.Random(seed)
    dag: dict[int, list[int]] = {}
    for i in range(count):
        earlier = list(range(i))
        k = rng.randint(0, min(max_deps, len(earlier)))
        dag[i] = sorted(rng.sample(earlier, k))
    return dag


def vpc_cidrs(index: int) -> tuple[str, str]:
    """A /20 VPC and its one /24 subnet, distinct for up to 4,096 stacks."""
    base = f"10.{index // 16}.{(index % 16) * 16}"
    return f"{base}.0/20", f"{base}.0/24"


def write_infragen_project(dag: dict[int, list[int]], project: Path = PROJECT) -> None:
    shutil.rmtree(project, ignore_errors=True)
    config = project / "config"
    config.mkdir(parents=True)
    lines = ["project: bench", "region: us-east-1", "tags: {Owner: bench}", "apps:"]
    for i, deps in dag.items():
        cidr, subnet = vpc_cidrs(i)
        lines += [
            f"  app{i:02d}:",
            "    stacks:",
            "      net:",
            "        blueprint: network",
            f"        depends_on: [{', '.join(f'app{d:02d}/net' for d in deps)}]",
            "        vars:",
            f"          cidr: {cidr}",
            "          az_count: 1",
            f"          subnets: {{public: [{subnet}]}}",
            "          nat: none",
            "          flow_logs: {enabled: false}",
        ]
    (config / "defaults.yaml").write_text("\n".join(lines) + "\n")
    (config / "dev.yaml").write_text("{}\n")


def write_sceptre_project(
    dag: dict[int, list[int]], project: Path = PROJECT, sceptre_project: Path = SCEPTRE_PROJECT
) -> None:
    """The same rendered templates and dependencies, as a Sceptre 4 project."""
    shutil.rmtree(sceptre_project, ignore_errors=True)
    (sceptre_project / "config" / "dev").mkdir(parents=True)
    (sceptre_project / "templates").mkdir()
    (sceptre_project / "config" / "config.yaml").write_text("project_code: sc\nregion: us-east-1\n")
    for i, deps in dag.items():
        source = project / "templates_out" / "dev" / f"app{i:02d}" / "net.yaml"
        shutil.copy(source, sceptre_project / "templates" / f"app{i:02d}-net.yaml")
        dependencies = "".join(f"\n  - dev/app{d:02d}-net.yaml" for d in deps)
        (sceptre_project / "config" / "dev" / f"app{i:02d}-net.yaml").write_text(
            f"template:\n  path: app{i:02d}-net.yaml\n"
            f"dependencies:{dependencies or ' []'}\n"
            "stack_tags:\n  Owner: bench\n"
        )


def emulator_env(endpoint: str) -> dict[str, str]:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    return env


def timed(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(
            f"failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            + (proc.stderr + proc.stdout)[-3000:]
        )
    return elapsed


def infragen_cmd(*args: str, project: Path = PROJECT) -> list[str]:
    return [
        str(Path(sys.executable).parent / "infragen"),
        "--config-dir",
        str(project / "config"),
        "--templates-dir",
        str(project / "templates_out"),
        *args,
    ]


def bench_tools(stacks: int, noop_runs: int, sceptre_noop_runs: int, profile: bool) -> bool:
    from render import ensure_sceptre_venv  # bench/render.py owns the Sceptre venv

    from infragen.emulator.server import start

    sceptre = ensure_sceptre_venv()
    dag = random_dag(stacks, SEED)
    write_infragen_project(dag)
    timed(infragen_cmd("render"), cwd=PROJECT, env=dict(os.environ))
    write_sceptre_project(dag)

    server = start("127.0.0.1", 0)
    host, port = server.host, server.port
    env = emulator_env(server.endpoint)
    sceptre_cmd = [str(sceptre), "--dir", str(SCEPTRE_PROJECT), "launch", "-y", "dev"]
    nosleep_env = {**env, "PYTHONPATH": str(write_nosleep_shim())}
    try:
        print(f"\n(a) {stacks}-stack DAG on the emulator at {host}:{port}, seed {SEED}")
        first_infragen = timed(infragen_cmd("deploy", "--env", "dev"), cwd=PROJECT, env=env)
        first_sceptre = timed(sceptre_cmd, cwd=SCEPTRE_PROJECT, env=env)
        check_deployed(env["AWS_ENDPOINT_URL"], stacks)
        noop_infragen = [
            timed(infragen_cmd("deploy", "--env", "dev"), cwd=PROJECT, env=env)
            for _ in range(noop_runs)
        ]
        noop_sceptre = [
            timed(sceptre_cmd, cwd=SCEPTRE_PROJECT, env=env) for _ in range(sceptre_noop_runs)
        ]
        noop_nosleep = [
            timed(sceptre_cmd, cwd=SCEPTRE_PROJECT, env=nosleep_env) for _ in range(noop_runs)
        ]
        calls = count_noop_calls(env)
        if profile:
            profile_noop(env)
    finally:
        server.stop()
    ni = statistics.median(noop_infragen)
    ns, nz = statistics.median(noop_sceptre), statistics.median(noop_nosleep)
    print(f"  first deploy   infragen {first_infragen:7.2f} s   sceptre {first_sceptre:7.2f} s"
          f"   ratio {first_sceptre / first_infragen:5.1f}x")  # fmt: skip
    print(f"  no-op redeploy infragen {ni:7.2f} s   sceptre {ns:7.2f} s"
          f"   ratio {ns / ni:5.1f}x  (as measured: moto makes Sceptre update, sleep)")  # fmt: skip
    print(f"  no-op redeploy infragen {ni:7.2f} s   sceptre {nz:7.2f} s"
          f"   ratio {nz / ni:5.1f}x  (Sceptre without sleeps; target >= "
          f"{TARGET_NOOP_RATIO:.0f}x)")  # fmt: skip
    print(f"    runs: infragen {_runs(noop_infragen)}; sceptre {_runs(noop_sceptre)}; "
          f"sceptre without sleeps {_runs(noop_nosleep)}")  # fmt: skip
    print(f"    calls of one infragen no-op: {calls}")
    met = nz / ni >= TARGET_NOOP_RATIO
    print(f"  no-op target {'met' if met else 'MISSED'}")
    return met


def write_nosleep_shim() -> Path:
    """A sitecustomize that turns time.sleep into a no-op in the process that loads it."""
    shim = WORK / "sceptre-nosleep"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "sitecustomize.py").write_text(
        "# bench/deploy.py: remove Sceptre's fixed poll sleeps (see the module docstring)\n"
        "import time\n\ntime.sleep = lambda _seconds: None\n"
    )
    return shim


def check_deployed(endpoint: str, stacks: int) -> None:
    """Both tools really created their stacks on the emulator."""
    import boto3

    client = boto3.client(
        "cloudformation",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    found: dict[str, int] = {"bench-dev-": 0, "sc-dev-": 0}
    for page in client.get_paginator("list_stacks").paginate():
        for summary in page["StackSummaries"]:
            for prefix in found:
                ok = summary["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
                if summary["StackName"].startswith(prefix) and ok:
                    found[prefix] += 1
    if set(found.values()) != {stacks}:
        raise BenchError(f"expected {stacks} stacks from each tool, found {found}")


def count_noop_calls(env: dict[str, str], command: list[str] | None = None) -> str:
    """The CloudFormation calls one in-process no-op deploy makes, by operation: one
    listing, then one GetTemplate per stack whose fingerprint tag matches."""
    counts = count_calls(env, command or infragen_cmd("deploy", "--env", "dev"))
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def count_calls(env: dict[str, str], command: list[str]) -> collections.Counter[str]:
    """The CloudFormation calls of one in-process run of `command` (an infragen command
    line), by operation."""
    import io

    from infragen.aws import gateway
    from infragen.cli import cli
    from infragen.deploy import context

    counts: collections.Counter[str] = collections.Counter()
    real_connect = gateway.connect

    def connect(*args: Any, **kwargs: Any) -> gateway.Gateway:
        created = real_connect(*args, **kwargs)
        created.cf.meta.events.register(
            "before-call.cloudformation.*",
            lambda model, **_: counts.update([model.name]),
        )
        return created

    saved = dict(os.environ)
    os.environ.update(env)
    context.connect = connect  # type: ignore[assignment]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
            cli(command[1:], prog_name="infragen")
    finally:
        context.connect = real_connect  # type: ignore[assignment]
        os.environ.clear()
        os.environ.update(saved)
    return counts


def read_calls(counts: collections.Counter[str]) -> int:
    return sum(n for name, n in counts.items() if name.startswith(("Describe", "Get", "List")))


def profile_noop(env: dict[str, str]) -> None:
    """cProfile of one in-process no-op deploy: where the time goes."""
    import cProfile
    import io
    import pstats

    code = (
        "import sys; from infragen.cli import cli\n"
        f"sys.argv = {infragen_cmd('deploy', '--env', 'dev')!r}\n"
        "try:\n    cli(sys.argv[1:], prog_name='infragen')\nexcept SystemExit:\n    pass\n"
    )
    saved = dict(os.environ)
    os.environ.update(env)
    stdout = sys.stdout
    try:
        sys.stdout = io.StringIO()
        profiler = cProfile.Profile()
        profiler.enable()
        exec(compile(code, "noop-deploy", "exec"), {})
        profiler.disable()
    finally:
        sys.stdout = stdout
        os.environ.clear()
        os.environ.update(saved)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    print("\n  profile of one no-op deploy (cumulative):")
    print("\n".join("    " + line for line in text.getvalue().splitlines()[:45]))


def _runs(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "] s"


# ----------------------------------------------------------------- (c) the example `dev`


def example_cmd(*args: str) -> list[str]:
    return [
        str(Path(sys.executable).parent / "infragen"),
        "--config-dir",
        str(EXAMPLE / "config"),
        "--templates-dir",
        str(EXAMPLE / "templates_out"),
        *args,
    ]


def bench_example(noop_runs: int) -> None:
    """First deploy and no-op redeploy of the whole example `dev` on a fresh emulator.
    `timed` fails the bench unless every stack deploys (infragen exits 1 otherwise)."""
    import json

    import example_artifacts

    from infragen.emulator.server import start

    shutil.rmtree(EXAMPLE, ignore_errors=True)
    shutil.copytree(REPO / "config", EXAMPLE / "config")
    # what the example's hooks run from the project root (cat-detector packs its code)
    shutil.copytree(REPO / "examples", EXAMPLE / "examples")
    (EXAMPLE / "scripts").mkdir()
    shutil.copy2(REPO / "scripts" / "lambda_zip.py", EXAMPLE / "scripts" / "lambda_zip.py")
    timed(example_cmd("render", "--env", "dev"), cwd=EXAMPLE, env=dict(os.environ))
    manifest = json.loads((EXAMPLE / "templates_out" / "dev" / "manifest.json").read_text())
    apps = {sid.split("/")[0] for sid in manifest["stacks"]}
    deploy = example_cmd("deploy", "--env", "dev")
    with start("127.0.0.1", 0) as emulator:
        example_artifacts.seed(emulator, EXAMPLE / "templates_out" / "dev")
        env = emulator_env(emulator.endpoint)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        first = timed(deploy, cwd=EXAMPLE, env=env)
        noop = [timed(deploy, cwd=EXAMPLE, env=env) for _ in range(noop_runs)]
        noop_calls = count_calls(env, deploy)
        plan_calls = count_calls(env, example_cmd("plan", "--env", "dev"))
    print(f"\n(c) example dev: {len(manifest['stacks'])} stacks of {len(apps)} apps on the "
          f"emulator at {emulator.host}:{emulator.port}, change sets")  # fmt: skip
    print(f"  first deploy   {first:7.2f} s")
    print(f"  no-op redeploy {statistics.median(noop):7.2f} s   runs {_runs(noop)}")
    stacks = len(manifest["stacks"])
    for what, counts in (("no-op deploy", noop_calls), ("plan", plan_calls)):
        per_stack = read_calls(counts) / stacks
        met = "met" if per_stack <= TARGET_READS_PER_STACK else "MISSED"
        print(
            f"  {what}: {per_stack:.2f} CloudFormation read calls per stack (target <= "
            f"{TARGET_READS_PER_STACK:g}: {met}); "
            + ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        )


# ----------------------------------------------------------------- (d) 570 stacks


Measured = dict[tuple[str, bool], tuple[list[float], collections.Counter[str]]]


def bench_scale(stacks: int, runs: int, sceptre_runs: int, sceptre_sleeps: bool) -> bool:
    """Part (d): the synthetic DAG at `stacks` stacks, infragen and Sceptre on one fresh
    emulator: first deploys, then plan and no-op deploy with and without the deployed-template
    record (timed, read calls counted in process), then Sceptre's no-op launch."""
    from render import ensure_sceptre_venv

    from infragen.deploy.deployed import VERIFIED_DIR
    from infragen.emulator.server import start

    started = time.perf_counter()
    sceptre = ensure_sceptre_venv()
    dag = random_dag(stacks, SEED)
    write_infragen_project(dag, SCALE_PROJECT)
    timed(infragen_cmd("render", project=SCALE_PROJECT), cwd=SCALE_PROJECT, env=dict(os.environ))
    write_sceptre_project(dag, SCALE_PROJECT, SCALE_SCEPTRE)
    record = SCALE_PROJECT / VERIFIED_DIR
    deploy = infragen_cmd("deploy", "--env", "dev", project=SCALE_PROJECT)
    commands = {
        "plan": infragen_cmd("plan", "--env", "dev", "--detailed-exitcode", project=SCALE_PROJECT),
        "no-op deploy": deploy,
    }
    launch = [str(sceptre), "--dir", str(SCALE_SCEPTRE), "launch", "-y", "dev"]
    server = start("127.0.0.1", 0)
    # moto's state lives in this process: parts (a) and (c) left their stacks (and (a)'s
    # have these names)
    server.reset()
    gc.collect()
    idle_mb = resident_mb()
    env = emulator_env(server.endpoint)
    nosleep_env = {**env, "PYTHONPATH": str(write_nosleep_shim())}
    print(f"\n(d) {stacks}-stack DAG ({len(levels(dag))} levels, `network` blueprint) on one "
          f"fresh emulator at {server.host}:{server.port}, seed {SEED}", flush=True)  # fmt: skip
    measured: Measured = {}  # (what, record kept) -> run times, calls of one more run
    try:
        first = timed(deploy, cwd=SCALE_PROJECT, env=env)
        first_sceptre = timed(launch, cwd=SCALE_SCEPTRE, env=nosleep_env)
        check_deployed(server.endpoint, stacks)
        for kept in (True, False):
            for what, command in commands.items():
                times = []
                for _ in range(runs):
                    if not kept:  # a fresh clone: no record of what is deployed
                        shutil.rmtree(record, ignore_errors=True)
                    times.append(timed(command, cwd=SCALE_PROJECT, env=env))
                if not kept:
                    shutil.rmtree(record, ignore_errors=True)
                measured[what, kept] = times, count_calls(env, command)
        noop_sceptre = [
            timed(launch, cwd=SCALE_SCEPTRE, env=nosleep_env) for _ in range(sceptre_runs)
        ]
        # moto makes every no-op launch a real update, so this waits in Sceptre's 4 s polls
        slept = timed(launch, cwd=SCALE_SCEPTRE, env=env) if sceptre_sleeps else None
        loaded_mb = resident_mb()
    finally:
        server.stop()
    sceptre_noop = statistics.median(noop_sceptre)
    print(f"  first deploy: infragen {first:6.2f} s, sceptre launch -y (no sleeps) "
          f"{first_sceptre:6.2f} s: ratio {first_sceptre / first:4.1f}x")  # fmt: skip
    with_sleeps = f"; with its 4 s polls {slept:6.2f} s" if slept is not None else ""
    print(f"  no-op sceptre launch -y: no sleeps {sceptre_noop:6.2f} s (runs "
          f"{_runs(noop_sceptre)}){with_sleeps} (moto updates every stack)")  # fmt: skip
    ok = report_reads(stacks, measured, sceptre_noop)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  this process (the emulator's): {idle_mb:.0f} MB reset, {loaded_mb:.0f} MB "
          f"holding {2 * stacks} stacks, peak {peak_mb:.0f} MB; part (d) took "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    return ok


def report_reads(stacks: int, measured: Measured, sceptre_noop: float) -> bool:
    """Time and read calls per stack of plan and no-op deploy, both ways, and the targets."""
    print("  infragen               median  sceptre no-op /  reads/stack  calls of one run")
    verdicts: dict[bool, list[str]] = {True: [], False: []}
    met = {True: True, False: True}
    for (what, kept), (times, counts) in measured.items():
        median = statistics.median(times)
        reads = read_calls(counts)
        per_stack = reads / stacks
        # a no-op that writes is no no-op, whatever it reads
        met[kept] &= per_stack <= TARGET_READS_PER_STACK and reads == sum(counts.values())
        verdicts[kept].append(f"{per_stack:.3f}")
        how = "record kept" if kept else "fresh clone"
        calls = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        print(f"  {what + ', ' + how:<25} {median:5.2f} s  {sceptre_noop / median:6.1f}x  "
              f"{per_stack:11.3f}  {calls}  (runs {_runs(times)})")  # fmt: skip
    for kept in (True, False):
        how = "with the deployed-template record" if kept else "fresh clone (no record)"
        print(f"  plan / no-op deploy <= {TARGET_READS_PER_STACK:g} CloudFormation read per "
              f"stack, no write, {how}: {' / '.join(verdicts[kept])} "
              f"{'met' if met[kept] else 'MISSED'}")  # fmt: skip
    return met[True] and met[False]


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    return float("nan")


# ----------------------------------------------------------------- (b) scheduling policy


def critical_path(dag: dict[int, list[int]], duration: dict[int, float]) -> float:
    finish: dict[int, float] = {}
    for node in sorted(dag):  # dependencies always have smaller numbers
        finish[node] = duration[node] + max((finish[d] for d in dag[node]), default=0.0)
    return max(finish.values())


def levels(dag: dict[int, list[int]]) -> list[list[int]]:
    depth: dict[int, int] = {}
    for node in sorted(dag):
        depth[node] = 1 + max((depth[d] for d in dag[node]), default=-1)
    grouped: dict[int, list[int]] = {}
    for node, level in depth.items():
        grouped.setdefault(level, []).append(node)
    return [grouped[level] for level in sorted(grouped)]


def run_ready_pool(dag: dict[int, list[int]], step: Callable[[str], None], workers: int) -> float:
    from infragen.dag import Graph
    from infragen.deploy.walker import walk

    graph = Graph({str(n): [str(d) for d in deps] for n, deps in dag.items()})
    start = time.perf_counter()
    result = walk(graph, step, max_parallel=workers)
    elapsed = time.perf_counter() - start
    assert result.ok
    return elapsed


def run_levels(dag: dict[int, list[int]], step: Callable[[str], None], workers: int) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for level in levels(dag):
            list(pool.map(step, [str(n) for n in level]))
    return time.perf_counter() - start


def bench_scheduling(dags: int, stacks: int, unit: float) -> bool:
    print(f"\n(b) scheduling: {dags} random DAGs x {stacks} stacks, durations 1-10 units of "
          f"{unit * 1000:.0f} ms, seed {SEED}")  # fmt: skip
    print("    makespan / critical path (1.00 = every stack starts when its deps finish)")
    pool_ratios: list[float] = []
    level_ratios: list[float] = []
    for index in range(dags):
        rng = random.Random(SEED + index)
        dag = random_dag(stacks, SEED + index, max_deps=3)
        duration = {n: rng.randint(1, 10) * unit for n in dag}

        def step(node: str, duration: dict[int, float] = duration) -> None:
            time.sleep(duration[int(node)])

        cp = critical_path(dag, duration)
        workers = stacks  # enough workers: measures the policy, not the bound
        pool_ratios.append(run_ready_pool(dag, step, workers) / cp)
        level_ratios.append(run_levels(dag, step, workers) / cp)
        print(f"    DAG {index}: critical path {cp:5.2f} s   ready pool "
              f"{pool_ratios[-1]:4.2f}   level batching {level_ratios[-1]:4.2f}")  # fmt: skip
    pool, level = statistics.mean(pool_ratios), statistics.mean(level_ratios)
    print(f"  mean: ready pool {pool:4.2f}  level batching {level:4.2f}  "
          f"(level / pool = {level / pool:4.2f}x)")  # fmt: skip
    # Thread start-up and sleep overshoot add a few ms per stack on the critical path.
    met = pool <= 1.05
    print(f"  ready-pool target (1.0, within 5% timer overhead) {'met' if met else 'MISSED'}")
    return met


TARGET_READS_PER_STACK = 1.0  # CloudFormation Describe*/Get*/List* calls per stack, at most


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and DAGs")
    parser.add_argument("--stacks", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile one no-op deploy")
    parser.add_argument("--skip-sceptre", action="store_true", help="skip part (a)")
    parser.add_argument("--skip-example", action="store_true", help="skip part (c)")
    parser.add_argument(
        "--scale", type=int, default=570, metavar="N", help="stacks of part (d); 0 skips it"
    )
    parser.add_argument(
        "--no-sceptre-sleeps",
        action="store_true",
        help="(d): skip the no-op launch that waits in Sceptre's sleeps (~70 s at 570)",
    )
    parser.add_argument("--only-scale", action="store_true", help="run part (d) alone")
    args = parser.parse_args(argv)
    ok = True
    try:
        if not args.skip_sceptre and not args.only_scale:
            runs = (2, 1) if args.quick else (5, 3)
            ok &= bench_tools(args.stacks, runs[0], runs[1], args.profile)
        if not args.skip_example and not args.only_scale:
            bench_example(2 if args.quick else 5)
        if not args.only_scale:
            ok &= bench_scheduling(3 if args.quick else 5, 30, 0.02 if args.quick else 0.05)
        if args.scale:
            runs = (2, 1) if args.quick else (3, 2)
            ok &= bench_scale(args.scale, runs[0], runs[1], not args.no_sceptre_sleeps)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

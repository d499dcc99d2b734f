"""README: "user errors never print a traceback". Each case here printed one before; now each is
a located error (file:line:col where there is a line, and a hint), exit 2, nothing written.

`invoke` runs the CLI with catch_exceptions=False, so a traceback fails the test loudly.
"""

from __future__ import annotations

import hashlib
import json
import signal
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import Result

from infragen.blueprints import registry
from infragen.cli import EXIT_BUG
from project_support import new_project

DEFAULTS = """\
project: acme
region: us-east-1
apps:
  shop:
    stacks:
      network:
        blueprint: network
        vars:
          cidr: 10.0.0.0/16
          subnets:
            public: [10.0.0.0/24, 10.0.1.0/24]
            private_app: [10.0.10.0/24, 10.0.11.0/24]
          nat: none
"""

# Config whose 6th line is added by each test; the error must point into the added part.
DEV_HEAD = "apps:\n  shop:\n    stacks:\n      network:\n        vars:\n"


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Callable[..., Result]) -> Path:
    """A one-stack project, rendered once; the tests then break one input."""
    new_project(tmp_path, monkeypatch, DEFAULTS)
    # Deploy-time commands must fail before any AWS call; if one did not, it goes nowhere.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("INFRAGEN_DEBUG", raising=False)
    registry.clear_cache()
    assert invoke("render").exit_code == 0
    return tmp_path


def _fails_located(result: Result, where: str, hint: str) -> None:
    """Exit 2, `where` (file:line:col: message start) on stderr, a hint, no traceback."""
    assert result.exit_code == 2, result.output
    assert where in result.stderr, result.stderr
    hints = [line for line in result.stderr.splitlines() if line.startswith("  hint: ")]
    assert any(hint in line for line in hints), hints
    assert "Traceback" not in result.output


def _render_fails(
    small: Path, invoke: Callable[..., Result], dev: bytes, where: str, hint: str
) -> Result:
    before = _snapshot(small / "templates_out")
    (small / "config" / "dev.yaml").write_bytes(dev)
    result = invoke("render")
    _fails_located(result, where, hint)
    assert result.stderr.rstrip().endswith("nothing was written")
    assert _snapshot(small / "templates_out") == before
    return result


# ------------------------------------------------------------------------- encodings


def test_non_utf8_config(small: Path, invoke: Callable[..., Result]) -> None:
    dev = DEV_HEAD.encode() + b'          nat: "caf\xe9"\n'
    _render_fails(
        small,
        invoke,
        dev,
        "config/dev.yaml:6:20: not valid UTF-8: byte 0xe9",
        "save the file as UTF-8",
    )


@pytest.mark.parametrize(
    ("codec", "message"),
    [
        ("utf-16", "the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark)"),
        ("utf-16-le", "the file looks UTF-16 encoded"),
        ("utf-16-be", "the file looks UTF-16 encoded"),
        ("utf-32", "the file is UTF-32 encoded"),
    ],
)
def test_utf16_config(small: Path, invoke: Callable[..., Result], codec: str, message: str) -> None:
    dev = (DEV_HEAD + "          nat: single\n").encode(codec)
    _render_fails(small, invoke, dev, f"config/dev.yaml:1:1: {message}", "save the file as UTF-8")


def test_nul_byte_in_config(small: Path, invoke: Callable[..., Result]) -> None:
    dev = DEV_HEAD.encode() + b"          nat: si\x00ngle\n"
    _render_fails(
        small, invoke, dev, "config/dev.yaml:6:18: a NUL byte, which YAML does not allow", "remove"
    )


def test_control_character_in_config(small: Path, invoke: Callable[..., Result]) -> None:
    dev = DEV_HEAD.encode() + b"          nat: si\x07ngle\n"
    _render_fails(
        small, invoke, dev, "config/dev.yaml:6:18: invalid YAML: control character U+0007", "escape"
    )


# ------------------------------------------------------------------ nesting and aliases


@pytest.mark.parametrize("depth", [500, 999])
def test_deep_block_nesting(small: Path, invoke: Callable[..., Result], depth: int) -> None:
    lines = [f"{'  ' * i}k{i}:" for i in range(depth)] + [f"{'  ' * depth}leaf"]
    dev = ("\n".join(lines) + "\n").encode()
    # Line 101 holds the 101st level: the first one past the limit.
    _render_fails(
        small,
        invoke,
        dev,
        "config/dev.yaml:101:201: values nested more than 100 levels deep",
        "flatten",
    )


@pytest.mark.parametrize("depth", [500, 999])
def test_deep_flow_nesting(small: Path, invoke: Callable[..., Result], depth: int) -> None:
    dev = ("x: " + "[" * depth + "]" * depth + "\n").encode()
    _render_fails(
        small, invoke, dev, "config/dev.yaml:1:103: values nested more than 100 levels", "flatten"
    )


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail (rather than hang the suite) if the body runs longer than `seconds`."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds}s: the alias guard is missing")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


BILLION_LAUGHS = textwrap.dedent(
    """\
    lol:
      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
      h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
      i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
    """
)


def test_alias_bomb_is_refused_quickly(small: Path, invoke: Callable[..., Result]) -> None:
    dev = "tags: {Team: shop}\n" + BILLION_LAUGHS
    with _deadline(10):
        result = _render_fails(
            small,
            invoke,
            dev.encode(),
            # `e` (line 7) is the smallest value past the limit: 10^5 strings plus its lists.
            "config/dev.yaml:7:6: this value expands to 111,111 values through YAML aliases "
            "(the whole file to 1,234,567,915)",
            "an alias (*name) repeats its anchor's whole value",
        )
    assert "at most 100,000" in result.stderr


def test_alias_inside_its_own_anchor(small: Path, invoke: Callable[..., Result]) -> None:
    dev = DEV_HEAD + "          subnets: &loop {public: [*loop]}\n"
    _render_fails(
        small,
        invoke,
        dev.encode(),
        "config/dev.yaml:6:20: this anchored value contains an alias to itself",
        "must not appear inside the value its anchor",
    )


# --------------------------------------------------------------------------- scalars


def test_impossible_date_is_a_string_not_a_crash(
    small: Path, invoke: Callable[..., Result]
) -> None:
    dev = b"when: 2024-02-30\n"
    _render_fails(small, invoke, dev, "config/dev.yaml:1:1: when: unknown key 'when'", "allowed")


def test_dates_stay_as_written(small: Path, invoke: Callable[..., Result]) -> None:
    (small / "config" / "dev.yaml").write_text(
        "tags: {Since: 2024-02-29, Until: 2024-02-30, Stamp: 2024-02-29T10:00:00Z}\n"
    )
    result = invoke("render")
    assert result.exit_code == 0, result.output
    body = (small / "templates_out/dev/shop/network.yaml").read_text()
    assert "{Key: Since, Value: '2024-02-29'}" in body
    assert "{Key: Until, Value: '2024-02-30'}" in body
    assert "{Key: Stamp, Value: '2024-02-29T10:00:00Z'}" in body


def test_explicit_tag_the_constructor_rejects(small: Path, invoke: Callable[..., Result]) -> None:
    dev = DEV_HEAD + "          az_count: !!int two\n"
    _render_fails(
        small, invoke, dev.encode(), "config/dev.yaml:6:21: cannot read 'two' as int", "quote"
    )


# --------------------------------------------------------------------------- plugins

STACK = "apps:\n  shop:\n    stacks:\n      api:\n        blueprint: {target}\n"


def _plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> str:
    """A module `name` on sys.path (in its own directory, outside the project)."""
    root = tmp_path / "plugins"
    root.mkdir(exist_ok=True)
    (root / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(root))
    return name


def test_blueprint_path_without_module(small: Path, invoke: Callable[..., Result]) -> None:
    _render_fails(
        small,
        invoke,
        STACK.format(target='":Foo"').encode(),
        "config/dev.yaml:5:20: blueprint ':Foo': ':Foo' is not a 'package.module:Class' path",
        "mypackage.blueprints:Queue",
    )


def test_plugin_with_syntax_error(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _plugin(small, monkeypatch, "nt_syntax_plugin", "class Queue(:\n    pass\n")
    result = _render_fails(
        small,
        invoke,
        STACK.format(target=f"{module}:Queue").encode(),
        "config/dev.yaml:5:20: blueprint 'nt_syntax_plugin:Queue': ",
        "fix the Python syntax in nt_syntax_plugin",
    )
    assert "nt_syntax_plugin.py:1: syntax error in nt_syntax_plugin" in result.stderr


def test_plugin_that_raises_at_import(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _plugin(small, monkeypatch, "nt_raising_plugin", "raise RuntimeError('no config')\n")
    _render_fails(
        small,
        invoke,
        STACK.format(target=f"{module}:Queue").encode(),
        "config/dev.yaml:5:20: blueprint 'nt_raising_plugin:Queue': importing nt_raising_plugin "
        "failed: RuntimeError: no config",
        "raised while being imported",
    )


def test_plugin_whose_vars_is_not_blueprint_vars(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _plugin(
        small,
        monkeypatch,
        "nt_vars_plugin",
        """\
        from infragen.blueprints.base import Blueprint

        class Queue(Blueprint):
            Vars = dict
        """,
    )
    _render_fails(
        small,
        invoke,
        STACK.format(target=f"{module}:Queue").encode(),
        "config/dev.yaml:5:20: blueprint 'nt_vars_plugin:Queue': nt_vars_plugin:Queue.Vars is "
        "<class 'dict'>, not a BlueprintVars subclass",
        "class MyVars(BlueprintVars)",
    )


def test_plugin_whose_build_raises(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """render.py wraps build(): whatever a plugin raises is reported at its stack."""
    module = _plugin(
        small,
        monkeypatch,
        "nt_build_plugin",
        """\
        from infragen.blueprints.base import Blueprint, BlueprintVars

        class Queue(Blueprint):
            Vars = BlueprintVars

            def build(self):
                raise RuntimeError("the queue exploded")
        """,
    )
    before = _snapshot(small / "templates_out")
    (small / "config" / "dev.yaml").write_text(STACK.format(target=f"{module}:Queue"))
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert "config/dev.yaml:5:" in result.stderr
    assert "the queue exploded" in result.stderr
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.output
    assert _snapshot(small / "templates_out") == before


# ------------------------------------------------------------------ templates_out files


def test_non_utf8_template_in_render_check(small: Path, invoke: Callable[..., Result]) -> None:
    template = small / "templates_out/dev/shop/network.yaml"
    lines = template.read_bytes().split(b"\n")
    lines[2] = b"# r\xe9sum\xe9"
    template.write_bytes(b"\n".join(lines))
    before = _snapshot(small / "templates_out")
    result = invoke("render", "--check")
    _fails_located(
        result,
        "templates_out/dev/shop/network.yaml:3:4: not valid UTF-8: byte 0xe9",
        "templates_out/ is generated: run `infragen render`",
    )
    assert _snapshot(small / "templates_out") == before


def test_non_utf8_template_in_deploy(small: Path, invoke: Callable[..., Result]) -> None:
    template = small / "templates_out/dev/shop/network.yaml"
    template.write_bytes(b"#\xff\n" + template.read_bytes())
    result = invoke("deploy", "--env", "dev")
    _fails_located(
        result,
        "templates_out/dev/shop/network.yaml:1:2: not valid UTF-8: byte 0xff",
        "run `infragen render`",
    )


def test_templates_dir_whose_parent_is_a_file(small: Path, invoke: Callable[..., Result]) -> None:
    (small / "blocker").write_text("a file, not a directory\n")
    result = invoke("--templates-dir", "blocker/templates_out", "render")
    assert result.exit_code == 2, result.output
    assert "cannot write " in result.stderr
    assert "blocker/templates_out/" in result.stderr
    assert "nothing was written" in result.stderr
    assert "hint: check that its parent is a writable directory" in result.stderr
    assert "Traceback" not in result.output
    assert (small / "blocker").read_text() == "a file, not a directory\n"


def test_templates_dir_not_writable(
    small: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root ignores permission bits, so the refusal is simulated where the OS would say it."""
    import infragen.render.writer as writer

    def refuse(*args: object, dir: str | None = None, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", dir)

    monkeypatch.setattr(writer.tempfile, "mkdtemp", refuse)
    (small / "config" / "dev.yaml").write_text(DEV_HEAD + "          nat: single\n")
    before = _snapshot(small / "templates_out")
    result = invoke("render")
    assert result.exit_code == 2, result.output
    assert f"cannot write templates_out/: Permission denied ({small})" in result.stderr
    assert "Traceback" not in result.output
    assert _snapshot(small / "templates_out") == before


# ----------------------------------------------------------------------- manifest.json

MANIFEST_COMMANDS = [
    ("status",),
    ("delete", "--yes"),
    ("diff",),
    ("outputs",),
    ("drift",),
]


def _edit_manifest(small: Path, edit: Callable[[dict], None]) -> str:
    path = small / "templates_out/dev/manifest.json"
    data = json.loads(path.read_text())
    edit(data)
    text = json.dumps(data, indent=2) + "\n"
    path.write_text(text)
    return text


@pytest.mark.parametrize("command", MANIFEST_COMMANDS, ids=lambda c: c[0])
def test_hand_edited_manifest_names_the_key(
    small: Path, invoke: Callable[..., Result], command: tuple[str, ...]
) -> None:
    text = _edit_manifest(small, lambda data: data["stacks"]["shop/network"].pop("sha256"))
    before = _snapshot(small / "templates_out")
    line = text[: text.index('"shop/network": {')].count("\n") + 1
    result = invoke(command[0], "--env", "dev", *command[1:])
    _fails_located(
        result,
        f"templates_out/dev/manifest.json:{line}:1: wrong key: "
        'stacks["shop/network"].sha256: Field required',
        "templates_out/ is generated: run `infragen render --env dev`",
    )
    assert _snapshot(small / "templates_out") == before


def test_manifest_with_wrong_types(small: Path, invoke: Callable[..., Result]) -> None:
    def edit(data: dict) -> None:
        data["stacks"]["shop/network"]["termination_protection"] = "yes"
        data["stacks"]["shop/network"]["depends_on"] = "shop/db"

    text = _edit_manifest(small, edit)
    line = text.index('"depends_on"')
    result = invoke("status", "--env", "dev")
    _fails_located(
        result,
        "wrong keys: "
        'stacks["shop/network"].depends_on: Input should be a valid list; '
        'stacks["shop/network"].termination_protection: Input should be a valid boolean',
        "run `infragen render --env dev`",
    )
    assert f"templates_out/dev/manifest.json:{text[:line].count(chr(10)) + 1}:1" in result.stderr


def test_manifest_depending_on_a_missing_stack(small: Path, invoke: Callable[..., Result]) -> None:
    _edit_manifest(small, lambda data: data["stacks"]["shop/network"].update(depends_on=["x/y"]))
    result = invoke("outputs", "--env", "dev")
    assert result.exit_code == 2, result.output
    assert 'wrong key: stacks["shop/network"].depends_on: unknown stack(s) x/y' in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", MANIFEST_COMMANDS, ids=lambda c: c[0])
def test_merge_conflicted_manifest(
    small: Path, invoke: Callable[..., Result], command: tuple[str, ...]
) -> None:
    path = small / "templates_out/dev/manifest.json"
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '"sha256"' in line)
    ours, theirs = lines[at], lines[at].replace('"sha256": "', '"sha256": "0')
    lines[at : at + 1] = ["<<<<<<< HEAD\n", ours, "=======\n", theirs, ">>>>>>> feature\n"]
    path.write_text("".join(lines))
    result = invoke(command[0], "--env", "dev", *command[1:])
    _fails_located(
        result,
        f"templates_out/dev/manifest.json:{at + 1}:1: not valid JSON: ",
        "resolve the conflict by re-rendering",
    )
    assert "(it has merge-conflict markers)" in result.stderr


# ------------------------------------------------------------- the last-resort handler


@pytest.fixture
def broken_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """`infragen blueprints` hits a bug deep inside (a plain exception nobody expected)."""
    import infragen.blueprints.describe as describe

    def buggy() -> list[tuple[str, str]]:
        return [("x", str(1 / 0))]

    monkeypatch.setattr(describe, "list_blueprints", buggy)
    monkeypatch.delenv("INFRAGEN_DEBUG", raising=False)


def test_unexpected_exception_is_one_line(
    broken_command: None, invoke: Callable[..., Result]
) -> None:
    result = invoke("blueprints")
    assert result.exit_code == EXIT_BUG != 0
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines == [
        "infragen: internal error ZeroDivisionError: division by zero. This is an infragen bug: "
        "report it to the infragen maintainers with the command you ran; run again with --debug "
        "(or INFRAGEN_DEBUG=1) to see the traceback"
    ]


def test_debug_shows_the_traceback(broken_command: None, invoke: Callable[..., Result]) -> None:
    result = invoke("--debug", "blueprints")
    assert result.exit_code == EXIT_BUG
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert "in buggy" in result.stderr
    assert "ZeroDivisionError: division by zero" in result.stderr
    assert result.stderr.rstrip().endswith("with the command you ran")


def test_debug_from_the_environment(
    broken_command: None, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRAGEN_DEBUG", "1")
    result = invoke("blueprints")
    assert result.exit_code == EXIT_BUG
    assert "Traceback (most recent call last):" in result.stderr


def test_usage_errors_and_ctrl_c_keep_their_behaviour(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = invoke("render", "--no-such-option")
    assert usage.exit_code == 2
    assert "Error: No such option '--no-such-option'" in usage.stderr
    assert "internal error" not in usage.stderr

    import infragen.blueprints.describe as describe

    def interrupted() -> list[tuple[str, str]]:
        raise KeyboardInterrupt

    monkeypatch.setattr(describe, "list_blueprints", interrupted)
    result = invoke("blueprints")
    assert result.exit_code == 1
    assert "Aborted!" in result.stderr
    assert "internal error" not in result.stderr


def test_a_reader_that_goes_away_is_not_an_infragen_bug(project: Path) -> None:
    """`infragen list --env dev | head -1`: the closed pipe ends infragen quietly."""
    import subprocess
    import sys

    code = "import sys; from infragen.cli import main; sys.argv[0] = 'infragen'; main()"
    run = subprocess.Popen(
        [sys.executable, "-c", code, "list", "--env", "dev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    assert run.stdout is not None and run.stderr is not None
    assert run.stdout.read(10)  # the first bytes of the first line, then hang up
    run.stdout.close()
    stderr = run.stderr.read().decode()
    run.wait(timeout=60)
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert run.returncode != EXIT_BUG

"""A render builds only what changed since the last one, and is byte-identical to a clean one.

The record of the last render (infragen.render.record) is trusted only while everything it
describes is as it says: any doubt is a full render.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from infragen.errors import ConfigErrors
from infragen.render import parsed, record, service


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _no_load(*args: object, **kwargs: object) -> None:
    raise AssertionError("config was loaded although nothing changed")


def _render(*env: str, out: str = "templates_out", check: bool = False) -> service.RenderSummary:
    return service.render(Path("config"), Path(out), list(env) or None, check=check)


def _clean_render(*env: str) -> service.RenderSummary:
    """A render into clean/ with nothing of an earlier one: no record, no kept parse."""
    shutil.rmtree(parsed.PARSED_DIR, ignore_errors=True)
    return _render(*env, out="clean")


def _change_a_var(project: Path) -> None:
    dev = project / "config/dev.yaml"
    text = dev.read_text()
    assert "log_retention_days: 7 " in text
    dev.write_text(text.replace("log_retention_days: 7 ", "log_retention_days: 14 ", 1))


def test_after_one_var_changes_only_its_stacks_are_built_and_match_a_clean_render(
    project: Path,
) -> None:
    first = _render()
    assert first.built == first.stack_count > 200
    _change_a_var(project)

    again = _render()

    assert again.built == 1, "only the stack whose var changed, not its consumers"
    assert set(again.changed) == {"dev/jobs-api/database.yaml", "dev/manifest.json"}
    clean = _clean_render()
    assert clean.built == clean.stack_count
    assert _tree(project / "templates_out") == _tree(project / "clean")


def test_nothing_changed_loads_nothing_in_render_and_check(
    project: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    stacks = _render("dev").stack_count
    before = _tree(project / "templates_out")
    monkeypatch.setattr(service, "load_envs", _no_load)

    result = invoke("render", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert f"{stacks} stacks in 1 environment(s); 0 file(s) changed; 0 built" in result.output
    checked = invoke("render", "--check", "--env", "dev")
    assert checked.exit_code == 0, checked.output
    assert f"is up to date ({stacks} stacks; 0 built" in checked.output
    assert _tree(project / "templates_out") == before


def test_check_after_a_change_builds_only_that_stack_and_reports_it_stale(
    project: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    _change_a_var(project)

    result = invoke("render", "--check", "--env", "dev")

    assert result.exit_code == 1
    assert "stale: templates_out/dev/jobs-api/database.yaml" in result.output
    assert "stale: templates_out/dev/manifest.json" in result.output
    assert result.output.count("stale:") == 2


@pytest.mark.parametrize("doubt", ["edited template", "corrupt record", "new infragen code"])
def test_any_doubt_means_a_full_render(
    project: Path, monkeypatch: pytest.MonkeyPatch, doubt: str
) -> None:
    stacks = _render("dev").stack_count
    template = project / "templates_out/dev/omnigen/network.yaml"
    committed = template.read_bytes()
    if doubt == "edited template":
        template.write_bytes(committed + b"# edited\n")
    elif doubt == "corrupt record":
        record.record_path(Path("templates_out")).write_text("{not json")
    else:
        monkeypatch.setattr(record, "code_stamp", lambda: "another version of infragen")

    again = _render("dev")

    assert again.built == again.stack_count == stacks
    assert template.read_bytes() == committed


def test_an_edited_template_fails_the_check_even_when_config_is_unchanged(
    project: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    template = project / "templates_out/dev/omnigen/network.yaml"
    template.write_text(template.read_text().replace("Resources:", "Resources:  ", 1))

    result = invoke("render", "--check", "--env", "dev")

    assert result.exit_code == 1
    assert "stale: templates_out/dev/omnigen/network.yaml" in result.output


def test_rendering_one_env_keeps_the_others_record(project: Path) -> None:
    _render()
    _change_a_var(project)
    assert _render("dev").built < 10
    assert _render().built == 0  # staging and prod were not touched: still known unchanged


def test_an_env_whose_inputs_did_not_change_is_not_even_loaded(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = _render().stack_count
    _change_a_var(project)
    loaded: list[str] = []
    real_load_env = service.load_env

    def spy(config_dir: Path, name: str, *rest: object) -> object:
        loaded.append(name)
        return real_load_env(config_dir, name, *rest)

    monkeypatch.setattr(service, "load_env", spy)
    summary = _render()

    assert loaded == ["dev"]
    assert summary.stack_count == total
    assert summary.changed == ["dev/jobs-api/database.yaml", "dev/manifest.json"]


def test_an_env_removed_from_config_is_removed_from_templates(project: Path) -> None:
    total = _render().stack_count
    staging = len(list((project / "templates_out/staging").rglob("*.yaml")))
    (project / "config/staging.yaml").unlink()

    summary = _render()

    assert not (project / "templates_out/staging").exists()
    assert summary.stack_count == total - staging


def test_unchanged_templates_are_neither_copied_nor_rewritten(project: Path) -> None:
    _render()
    untouched = [
        project / "templates_out/dev/omnigen/network.yaml",
        project / "templates_out/prod/omnigen/network.yaml",
    ]
    before = [path.stat() for path in untouched]
    _change_a_var(project)

    assert _render().changed == ["dev/jobs-api/database.yaml", "dev/manifest.json"]

    after = [path.stat() for path in untouched]
    assert [(s.st_ino, s.st_mtime_ns) for s in after] == [(s.st_ino, s.st_mtime_ns) for s in before]


def test_a_config_saved_while_rendering_is_rendered_by_the_next_render(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _render("dev")
    real_load_envs = service.load_envs

    def load_then_edit(config_dir: Path, names: list[str] | None, *rest: object) -> object:
        loaded = real_load_envs(config_dir, names, *rest)
        _change_a_var(project)  # the user saves dev.yaml while the templates are built
        return loaded

    _change_a_var(project)
    with monkeypatch.context() as patched:
        patched.setattr(service, "load_envs", load_then_edit)
        assert _render("dev").changed == ["dev/jobs-api/database.yaml", "dev/manifest.json"]

    again = _render("dev")

    assert again.changed == ["dev/jobs-api/function.yaml", "dev/manifest.json"]
    _clean_render("dev")
    assert _tree(project / "templates_out") == _tree(project / "clean")


def _edit(project: Path, file: str, old: str, new: str) -> None:
    path = project / "config" / file
    text = path.read_text()
    assert old in text, f"{old!r} not in {file}"
    path.write_text(text.replace(old, new, 1))


DATABASE = "      database:\n        vars:\n          instance_class: db.t4g.micro"
DEPLOYMENT = "      deployment:\n        vars:\n          logging_level: INFO"
# Each kind of change to dev.yaml, and how many stacks it leaves to build.
CHANGES = {
    "var": (("log_retention_days: 7 ", "log_retention_days: 14 "), 1),
    "tag": ((DATABASE, DATABASE.replace("vars:", "tags: {owner: data-team}\n        vars:")), 1),
    "depends_on": (
        (DEPLOYMENT, DEPLOYMENT.replace("vars:", "depends_on: [omnigen/network]\n        vars:")),
        0,
    ),
    "stack removed": (
        (DEPLOYMENT, DEPLOYMENT.replace("vars:", "enabled: false\n        vars:")),
        0,
    ),
    "stack added": (
        (
            DATABASE,
            "      extra-key:\n        blueprint: kms-key\n        vars: {description: added}\n"
            + DATABASE,
        ),
        1,
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_kind_of_change_renders_what_a_clean_render_does(project: Path, change: str) -> None:
    _render()
    (old, new), to_build = CHANGES[change]
    _edit(project, "dev.yaml", old, new)

    again = _render()

    assert again.built == to_build
    clean = _clean_render()
    assert clean.built == clean.stack_count
    assert _tree(project / "templates_out") == _tree(project / "clean")


def test_a_code_change_validates_and_builds_every_stack_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """infragen's code includes the blueprints': a change to any of it trusts nothing."""
    _render("dev")
    resolved = _spy_on_blueprints(monkeypatch)
    monkeypatch.setattr(record, "code_stamp", lambda: "a blueprint was edited")

    again = _render("dev")

    assert again.built == again.stack_count
    assert len(resolved) == again.stack_count
    _clean_render("dev")
    assert _tree(project / "templates_out") == _tree(project / "clean")


def _spy_on_blueprints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The blueprint names config loading resolves from now on (one per stack validated)."""
    from infragen.blueprints import registry

    resolved: list[str] = []
    real = registry.get_blueprint

    def spy(name: str) -> type:
        resolved.append(name)
        return real(name)

    monkeypatch.setattr(registry, "get_blueprint", spy)
    return resolved


def test_after_one_var_changes_only_that_stack_is_validated(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _render()
    resolved = _spy_on_blueprints(monkeypatch)
    _change_a_var(project)

    assert _render().built == 1

    assert resolved == ["rds-postgres"]  # jobs-api/database; its consumers are untouched


def test_an_output_a_consumer_uses_removed_by_a_change_is_still_reported(
    project: Path,
) -> None:
    """jobs-api/database stops declaring MasterUserSecretArn; its consumers are unchanged
    (not validated again), but the cross-stack check still runs over them."""
    _render()
    _edit(
        project,
        "dev.yaml",
        DATABASE,
        DATABASE + "\n          master_password_source: parameter"
        "\n          master_password: !env DB_PASSWORD",
    )

    with pytest.raises(ConfigErrors) as incremental:
        _render("dev")
    record.forget_record(Path("templates_out"))
    with pytest.raises(ConfigErrors) as clean:
        _render("dev")

    assert [e.render() for e in incremental.value.errors] == [
        e.render() for e in clean.value.errors
    ]
    # Each consumer (the function's role and the function), at its tag.
    lines = (project / "config/defaults.yaml").read_text().splitlines()
    consumers = [
        n for n, line in enumerate(lines, 1) if "jobs-api/database::MasterUserSecretArn" in line
    ]
    assert len(consumers) == 2
    assert [(e.location.file, e.location.line) for e in incremental.value.errors if e.location] == [
        ("config/defaults.yaml", line) for line in consumers
    ]
    for error in incremental.value.errors:
        assert "jobs-api/database (rds-postgres) has no output 'MasterUserSecretArn'" in (
            error.message
        )


def test_a_changed_consumer_is_checked_against_the_outputs_recorded_for_its_producer(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _render("dev")
    _edit(
        project,
        "defaults.yaml",
        "[!stack_output jobs-api/database::MasterUserSecretArn]",
        "[!stack_output jobs-api/database::MasterUserSecretArm]",
    )
    resolved = _spy_on_blueprints(monkeypatch)

    with pytest.raises(ConfigErrors) as found:
        _render("dev")

    assert "rds-postgres" not in resolved, "the producer was not validated again"
    (error,) = found.value.errors
    assert "has no output 'MasterUserSecretArm'" in error.message
    assert "MasterUserSecretArn" in error.hint


def test_a_config_file_unchanged_since_the_last_render_is_not_parsed_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infragen.config import loader

    _render()
    _change_a_var(project)
    parsed_names: list[str] = []
    real = loader.load_yaml_text

    def spy(text: str, name: str, path: Path | None = None) -> loader.LoadedFile:
        parsed_names.append(name)
        return real(text, name, path)

    with monkeypatch.context() as patched:
        patched.setattr(loader, "load_yaml_text", spy)
        assert _render().built == 1

    assert parsed_names == ["config/dev.yaml"]  # defaults.yaml is as the last render parsed it
    _clean_render()
    assert _tree(project / "templates_out") == _tree(project / "clean")


def test_an_unreadable_kept_parse_is_parsed_again(project: Path) -> None:
    _render("dev")
    entries = sorted(parsed.PARSED_DIR.glob("*.pickle"))
    assert len(entries) == 2  # defaults.yaml and dev.yaml, one entry each
    for entry in entries:
        entry.write_bytes(b"not a pickle")
    _change_a_var(project)

    assert _render("dev").built == 1

    _clean_render("dev")
    assert _tree(project / "templates_out") == _tree(project / "clean")
    assert len(list(parsed.PARSED_DIR.glob("*.pickle"))) == 2

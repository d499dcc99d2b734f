"""A passed render check is remembered by the digest of its inputs, and only then skipped."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from infragen.deploy import manifest as manifest_module
from infragen.errors import StaleTemplatesError
from infragen.render import freshness


def _no_render(*args: object, **kwargs: object) -> None:
    raise AssertionError("the in-memory render ran although nothing changed")


def test_unchanged_inputs_skip_the_render_and_changes_do_not(
    project: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("render").exit_code == 0
    config, out = Path("config"), Path("templates_out")
    manifest_module.verify_up_to_date(config, out, "dev")  # full check, remembered
    assert list((project / freshness.CACHE_DIR).iterdir())

    import infragen.render.render as render_module

    with monkeypatch.context() as patched:
        patched.setattr(render_module, "render_env", _no_render)
        manifest_module.verify_up_to_date(config, out, "dev")  # answered from the cache

    # A config change is a different key: the full check runs and finds the stale files.
    dev = project / "config/dev.yaml"
    original = dev.read_text()
    dev.write_text(original.replace("log_retention_days: 7 ", "log_retention_days: 14 ", 1))
    with pytest.raises(StaleTemplatesError, match=r"jobs-api/\w+\.yaml"):
        manifest_module.verify_up_to_date(config, out, "dev")

    # So is a hand edit of a committed template.
    dev.write_text(original)
    manifest_module.verify_up_to_date(config, out, "dev")
    template = out / "dev/omnigen/network.yaml"
    template.write_text(template.read_text() + "# edited\n")
    with pytest.raises(StaleTemplatesError, match=r"omnigen/network\.yaml"):
        manifest_module.verify_up_to_date(config, out, "dev")


def test_blueprints_from_outside_infragen_are_always_checked(project: Path) -> None:
    (project / "config/dev.yaml").write_text(
        "apps:\n  omnigen:\n    stacks:\n      api:\n"
        "        blueprint: foundation.sample_blueprints:Consumer\n"
        "        vars: {vpc_id: vpc-1}\n"
    )
    assert freshness.freshness_key(Path("config"), Path("templates_out"), "dev") is None
    (project / "config/dev.yaml").write_text("{}\n")
    assert freshness.freshness_key(Path("config"), Path("templates_out"), "dev") is not None

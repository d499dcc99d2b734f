"""Render: deterministic bytes, atomic writes, --check, deploy-time tags as Parameters."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from infragen.render import writer
from project_support import add_app

CONSUMER = "foundation.sample_blueprints:Consumer"


class CfnLoader(yaml.SafeLoader):
    """Reads short-form intrinsics back as {'Ref': x} / {'Fn::GetAtt': [..]} mappings."""


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=CfnLoader)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_render_is_byte_identical_across_runs(project: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("render").exit_code == 0
    first = tree_bytes(project / "templates_out")
    shutil.rmtree(project / "templates_out")
    assert invoke("render").exit_code == 0
    assert tree_bytes(project / "templates_out") == first
    assert (
        len([p for p in first if p.endswith(".yaml")]) >= 15
    )  # every app has a network stack; more stacks come with each app


def test_committed_templates_match_config(
    invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = invoke("render", "--check")
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output


def test_check_reports_stale_missing_and_extra(
    project: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render").exit_code == 0
    out = project / "templates_out"
    (out / "dev/omnigen/network.yaml").write_text("stale\n")
    (out / "prod/jobs-api/network.yaml").unlink()
    (out / "staging/old-app").mkdir()
    (out / "staging/old-app/removed.yaml").write_text("x: 1\n")
    before = tree_bytes(out)

    result = invoke("render", "--check")

    assert result.exit_code == 1
    assert "stale: templates_out/dev/omnigen/network.yaml" in result.output
    assert "missing: templates_out/prod/jobs-api/network.yaml" in result.output
    assert "extra: templates_out/staging/old-app/removed.yaml" in result.output
    assert "(1 stale, 1 missing, 1 extra)" in result.stderr
    assert "hint: run `infragen render`" in result.stderr
    assert tree_bytes(out) == before, "--check must not write"


def test_removed_stacks_and_envs_disappear(project: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("render").exit_code == 0
    (project / "config/staging.yaml").unlink()
    prod = project / "config/prod.yaml"
    # Disable a stack nothing depends on (tsdevstack's wake-up Lambda) under the app's
    # existing prod.yaml entry.
    header = "  tsdevstack:\n    stacks:\n"
    text = prod.read_text()
    assert header in text
    prod.write_text(text.replace(header, header + "      wakeup:\n        enabled: false\n", 1))
    result = invoke("render")
    assert result.exit_code == 0
    out = project / "templates_out"
    assert not (out / "staging").exists()
    assert not (out / "prod/tsdevstack/wakeup.yaml").exists()
    assert (out / "prod/tsdevstack/network.yaml").exists()
    assert "removed templates_out/prod/tsdevstack/wakeup.yaml" in result.output
    assert "tsdevstack/wakeup" not in json.loads((out / "prod/manifest.json").read_text())["stacks"]


def test_render_of_one_env_keeps_the_others(project: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("render").exit_code == 0
    before = tree_bytes(project / "templates_out")
    assert invoke("render", "--env", "dev").exit_code == 0
    assert tree_bytes(project / "templates_out") == before


def test_failed_write_leaves_templates_out_untouched(
    project: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("render").exit_code == 0
    before = tree_bytes(project / "templates_out")
    prod = project / "config/prod.yaml"
    prod.write_text(
        prod.read_text().replace("Environment-Class: production", "Environment-Class: live")
    )
    calls = {"n": 0}
    real_write_text = Path.write_text

    def failing_write_text(self: Path, *args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    result = invoke("render")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    monkeypatch.undo()
    assert tree_bytes(project / "templates_out") == before
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".templates_out")]
    assert leftovers == [".templates_out.lock"]  # the lock file stays (gitignored)


def test_failed_swap_restores_the_old_tree(
    project: Path, invoke: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert invoke("render").exit_code == 0
    before = tree_bytes(project / "templates_out")
    dev = project / "config/dev.yaml"
    dev.write_text(dev.read_text() + "project: other\n")
    real_rename = writer.os.rename

    def rename(src: str, dst: str) -> None:
        if ".new-" in str(src):
            raise OSError(5, "I/O error")
        real_rename(src, dst)

    monkeypatch.setattr(writer.os, "rename", rename)
    result = invoke("render")
    assert result.exit_code == 2
    assert "I/O error" in result.stderr
    assert tree_bytes(project / "templates_out") == before


def test_deploy_time_tags_become_typed_parameters(
    project: Path, invoke: Callable[..., Result]
) -> None:
    add_app(
        project,
        "dev",
        f"""\
  shop:
    stacks:
      worker:
        blueprint: {CONSUMER}
        tags: {{Component: worker}}
        vars:
          vpc_id: !stack_output omnigen/network::VpcId
          subnet_ids: !stack_output omnigen/network::PrivateAppSubnetIds
          image_tag: !env IMAGE_TAG:latest
          db_password: !env DB_PASSWORD
          settings:
            ami: !ssm /acme/dev/ami
            token: !secret secretsmanager:acme/dev/api:token
            conn: !env LEGACY_DB_PASSWORD
""",
    )
    result = invoke("render", "--env", "dev")
    assert result.exit_code == 0, result.output
    out = project / "templates_out/dev"
    template = load_template(out / "shop/worker.yaml")
    params = template["Parameters"]
    assert params["VpcId"]["Type"] == "AWS::EC2::VPC::Id"
    assert params["SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert params["ImageTag"]["Type"] == "String"
    assert params["DbPassword"] == {
        "Type": "String",
        "Description": "!env DB_PASSWORD (set by infragen)",
        "NoEcho": True,
    }
    # secret by the variable's name, although the field's name says nothing
    assert params["SettingsConn"]["NoEcho"] is True
    assert "NoEcho" not in params["ImageTag"]
    assert params["SettingsAmi"]["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert params["SettingsAmi"]["Default"] == "/acme/dev/ami"
    resources = template["Resources"]
    assert resources["VpcParameter"]["Properties"]["Value"] == {"Ref": "VpcId"}
    assert resources["SettingToken"]["Properties"]["Value"] == (
        "{{resolve:secretsmanager:acme/dev/api:SecretString:token}}"
    )
    assert resources["SettingAmi"]["Properties"]["Value"] == {"Ref": "SettingsAmi"}
    # Standard tags first, then config tags (SSM parameters take a map of tags).
    assert resources["VpcParameter"]["Properties"]["Tags"]["Component"] == "worker"
    assert resources["VpcParameter"]["Properties"]["Tags"]["App"] == "shop"

    manifest = json.loads((out / "manifest.json").read_text())
    worker = manifest["stacks"]["shop/worker"]
    assert worker["name"] == "acme-dev-shop-worker"
    assert worker["depends_on"] == ["omnigen/network"]
    assert worker["parameters"]["VpcId"]["source"] == {
        "kind": "stack_output",
        "stack": "omnigen/network",
        "output": "VpcId",
    }
    assert worker["parameters"]["ImageTag"]["source"] == {
        "kind": "env",
        "name": "IMAGE_TAG",
        "default": "latest",
    }
    assert worker["parameters"]["SettingsAmi"]["source"] == {"kind": "ssm", "path": "/acme/dev/ami"}
    assert worker["tags"]["Component"] == "worker"
    assert manifest["order"].index("omnigen/network") < manifest["order"].index("shop/worker")
    assert "acme/dev/api" not in json.dumps(worker["parameters"])


def test_manifest_records_names_hashes_and_protection(
    project: Path, invoke: Callable[..., Result]
) -> None:
    import hashlib

    assert invoke("render").exit_code == 0
    for env, protected in (("dev", False), ("prod", True)):
        manifest = json.loads((project / f"templates_out/{env}/manifest.json").read_text())
        stack = manifest["stacks"]["tsdevstack/network"]
        body = (project / f"templates_out/{env}/tsdevstack/network.yaml").read_bytes()
        assert stack["sha256"] == hashlib.sha256(body).hexdigest()
        assert stack["name"] == f"acme-{env}-tsdevstack-network"
        assert stack["termination_protection"] is protected
        assert stack["region"] == "us-east-1"

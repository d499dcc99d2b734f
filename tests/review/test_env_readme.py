"""`templates_out/<env>/README.md`: what it says about the example's dev env, that render
writes it deterministically (also when it rebuilds only part of an env, reading the stacks it
reuses from the documents cache), that `render --check` holds it to the config like a
template, and that templates_out/README.md stays the user's."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from diagram.mermaid_check import parse_flowchart
from infragen import cfn_template as template_module
from infragen.cfn_template import Template
from infragen.cost.estimate import estimate_env
from infragen.diagram.build import read_rendered
from infragen.render import service
from infragen.render.documents import documents_path
from infragen.render.render import render_env
from infragen.render.service import load_env
from infragen.review.env_readme import env_readme, source_text

REPO = Path(__file__).resolve().parents[2]
DEV = REPO / "templates_out" / "dev"


def _dev_readme() -> str:
    manifest, templates = read_rendered(DEV)
    env = load_env(REPO / "config", "dev")
    return env_readme(manifest, templates, {sid: s.spec.usage for sid, s in env.stacks.items()})


def _rows(text: str, heading: str) -> list[list[str]]:
    """The cells of each row of the table under `## heading`."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def test_the_committed_dev_readme_is_what_render_writes() -> None:
    assert (DEV / "README.md").read_text(encoding="utf-8") == _dev_readme()


def test_stacks_are_listed_in_deploy_order_with_what_they_depend_on() -> None:
    rows = _rows(_dev_readme(), "Stacks")
    manifest, _ = read_rendered(DEV)
    assert [row[1] for row in rows] == [
        f"[`{sid}`]({manifest['stacks'][sid]['template']})" for sid in manifest["order"]
    ]
    function = next(row for row in rows if row[1].startswith("[`jobs-api/function`]"))
    assert function[2:] == [
        "`acme-dev-jobs-api-function`",
        "`lambda-function`",
        "`jobs-api/bucket`, `jobs-api/database`, `jobs-api/ecr`, `jobs-api/network`, "
        "`jobs-api/role`",
    ]
    order = [row[1] for row in rows]
    assert order.index("[`jobs-api/database`](jobs-api/database.yaml)") < order.index(
        "[`jobs-api/function`](jobs-api/function.yaml)"
    )


def test_parameters_say_where_their_value_comes_from() -> None:
    rows = _rows(_dev_readme(), "Parameters")
    assert [
        "`jobs-api/function`",
        "`EnvironmentDbHost`",
        "output `Endpoint` of `jobs-api/database`",
    ] in rows
    assert ["`jobs-api/function`", "`ImageTag`", "`$JOBS_API_IMAGE_TAG` (default `1.0.0`)"] in rows
    ssm = [row for row in rows if row[0] == "`cat-detector/client`" and row[1] == "`ImageId`"]
    assert ssm == [
        [
            "`cat-detector/client`",
            "`ImageId`",
            "SSM parameter `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`",
        ]
    ]


def test_outputs_name_the_stacks_that_consume_them() -> None:
    rows = {row[0]: row[1:] for row in _rows(_dev_readme(), "Outputs")}
    outputs, users = rows["`jobs-api/database`"]
    assert "`Endpoint`" in outputs.split(", ") and "`MasterUserSecretArn`" in outputs.split(", ")
    assert "`jobs-api/function`" in users.split(", ")
    assert rows["`ai-foundry/budget`"] == ["`BudgetName`", ""]  # nothing consumes it


def test_cost_is_the_estimate_infragen_cost_prints() -> None:
    text = _dev_readme()
    estimate = estimate_env(REPO / "config", REPO / "templates_out", "dev")
    rows = _rows(text, "Monthly cost")
    for app, total in estimate.by_app().items():
        assert [app, f"${total:,.2f}"] in rows
    assert ["**total**", f"**${estimate.total:,.2f}**"] in rows
    assert "VpcIngressConnection (AWS::AppRunner::VpcIngressConnection)" in text  # not estimated
    # The price table's source, legible once GitHub has stripped what looks like HTML tags.
    assert "(aws.amazon.com/&lt;service&gt;/pricing)" in text


def test_one_mermaid_block_per_app_each_a_valid_flowchart() -> None:
    text = _dev_readme()
    blocks = re.findall(
        r"### (\S+)\n\n(?:<details><summary>[^\n]*</summary>\n\n)?```mermaid\n(.*?)\n```",
        text,
        re.S,
    )
    manifest, _ = read_rendered(DEV)
    apps = list(dict.fromkeys(sid.partition("/")[0] for sid in manifest["order"]))
    assert [app for app, _ in blocks] == apps
    for _, chart in blocks:
        nodes, edges, _ = parse_flowchart(chart)
        assert nodes and edges
    assert 'jobs_api_function__SecurityGroup -->|"5432"| jobs_api_database__SecurityGroup' in text


def test_an_env_in_a_region_without_prices_still_gets_its_readme() -> None:
    manifest, templates = read_rendered(DEV)
    manifest = {**manifest, "region": "ap-east-9"}
    text = env_readme(manifest, templates, {})
    assert "> Not estimated: no price table for region ap-east-9" in text
    assert "## Stacks" in text and "```mermaid" in text


def test_plugin_sources_and_pipes_cannot_break_a_table() -> None:
    assert source_text({"kind": "vault", "path": "kv/a|b"}) == "kind `vault`, path `kv/a|b`"
    manifest, templates = read_rendered(DEV)
    entry = manifest["stacks"]["jobs-api/function"]
    params = {
        "Token": {"type": "String", "no_echo": True, "source": {"kind": "vault", "path": "a|b"}}
    }
    manifest["stacks"]["jobs-api/function"] = {**entry, "parameters": params}
    rows = _rows(env_readme(manifest, templates, {}), "Parameters")
    assert ["`jobs-api/function`", "`Token` (NoEcho)", "kind `vault`, path `a\\|b`"] in rows


def test_in_memory_templates_read_as_the_written_ones() -> None:
    """Render reads templates it just built from memory and reused ones from their text:
    both must give the same README."""
    rendered = render_env(load_env(REPO / "config", "dev"))
    for stack in rendered.stacks.values():
        assert stack.document is not None
        assert Template.of(stack.document) == Template.parse(stack.body), stack.id


def test_render_writes_it_byte_identically(project: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    first = (project / "templates_out/dev/README.md").read_bytes()
    shutil.rmtree(project / "templates_out")
    shutil.rmtree(project / ".infragen-cache", ignore_errors=True)
    assert invoke("render", "--env", "dev").exit_code == 0
    assert (project / "templates_out/dev/README.md").read_bytes() == first
    assert first == (DEV / "README.md").read_bytes()


def test_a_usage_change_rewrites_the_readme_though_no_template_changes(
    project: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    readme = project / "templates_out/dev/README.md"
    before = readme.read_text()
    dev = project / "config/dev.yaml"
    dev.write_text(dev.read_text().replace("alb: {usage: {lcu: 0.6}}", "alb: {usage: {lcu: 6}}", 1))
    result = invoke("render", "--env", "dev")
    assert result.exit_code == 0
    assert "wrote templates_out/dev/README.md" in result.output
    assert result.output.count("wrote ") == 1  # the estimate changed, no template did
    assert readme.read_text() != before
    clean = project / "clean"
    assert invoke("--templates-dir", str(clean), "render", "--env", "dev").exit_code == 0
    assert readme.read_bytes() == (clean / "dev/README.md").read_bytes()


def test_check_flags_a_stale_or_missing_readme(
    project: Path, invoke: Callable[..., Result]
) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    readme = project / "templates_out/dev/README.md"
    readme.write_text(readme.read_text().replace("| 1 |", "| 0 |", 1))
    check = invoke("render", "--check", "--env", "dev")
    assert check.exit_code == 1
    assert "stale: templates_out/dev/README.md" in check.output
    readme.unlink()
    check = invoke("render", "--check", "--env", "dev")
    assert check.exit_code == 1
    assert "missing: templates_out/dev/README.md" in check.output
    assert invoke("render", "--env", "dev").exit_code == 0
    assert invoke("render", "--check", "--env", "dev").exit_code == 0


def test_the_top_level_readme_stays_the_users(project: Path, invoke: Callable[..., Result]) -> None:
    assert invoke("render", "--env", "dev").exit_code == 0
    mine = project / "templates_out/README.md"
    mine.write_text("# Our templates\n")
    (project / "templates_out/dev/jobs-api/README.md").write_text("notes\n")
    generated = project / "templates_out/dev/README.md"
    generated.write_text("edited by hand\n")
    assert invoke("render", "--env", "dev").exit_code == 0
    assert mine.read_text() == "# Our templates\n"
    assert (project / "templates_out/dev/jobs-api/README.md").read_text() == "notes\n"
    assert generated.read_bytes() == (DEV / "README.md").read_bytes()
    assert invoke("render", "--check", "--env", "dev").exit_code == 0


def _render_dev(out: str = "templates_out") -> service.RenderSummary:
    return service.render(Path("config"), Path(out), ["dev"], check=False)


def _resize_jobs_database(project: Path) -> None:
    """A change to one stack that moves the estimate, so the README must be rebuilt."""
    dev = project / "config/dev.yaml"
    text = dev.read_text()
    assert "instance_class: db.t4g.micro" in text
    dev.write_text(text.replace("instance_class: db.t4g.micro", "instance_class: db.t4g.small", 1))


def _unparsable(text: str) -> dict:
    raise AssertionError("a reused template was parsed back from its YAML")


def test_a_partial_render_reads_the_stacks_it_reuses_from_the_cache_not_their_yaml(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _render_dev()
    _resize_jobs_database(project)
    with monkeypatch.context() as patched:
        patched.setattr(template_module, "load_document", _unparsable)
        again = _render_dev()
    assert 0 < again.built < 10
    assert "dev/README.md" in again.changed
    _render_dev("clean")
    readme = (project / "templates_out/dev/README.md").read_text()
    assert readme == (project / "clean/dev/README.md").read_text()
    assert "db.t4g.small" in (project / "templates_out/dev/jobs-api/database.yaml").read_text()


def test_an_unreadable_cache_costs_only_the_parse(project: Path) -> None:
    _render_dev()
    documents_path(Path("templates_out"), "dev").write_text("{not json")
    _resize_jobs_database(project)
    again = _render_dev()
    assert 0 < again.built < 10
    _render_dev("clean")
    readme = (project / "templates_out/dev/README.md").read_text()
    assert readme == (project / "clean/dev/README.md").read_text()


def test_an_env_without_stacks_gets_a_short_readme() -> None:
    manifest = {"env": "sandbox", "project": "acme", "region": "us-east-1", "production": False}
    text = env_readme({**manifest, "order": [], "stacks": {}}, {}, {})
    assert "0 stacks in 0 apps" in text
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## Stacks",
        "## Monthly cost",
    ]
    assert "| **total** | **$0.00** |" in text

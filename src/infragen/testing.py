"""Render one blueprint with given vars, for tests of infragen's blueprints and of plugins.

    from infragen.testing import render_blueprint
    template = render_blueprint("s3-bucket", {"name": "uploads"}, env="prod")
    assert template["Resources"]["Bucket"]["DeletionPolicy"] == "Retain"

The vars go through the same validation as config (with the stack's BuildContext), the
template through the same build, output check and canonical order as `infragen render`.
"""

from __future__ import annotations

from typing import Any

from infragen.model import BuildContext, is_production, standard_tags


def context_for(
    *,
    project: str = "acme",
    env: str = "dev",
    app: str = "test",
    stack: str = "stack",
    region: str = "us-east-1",
    production: bool | None = None,
    alarm_topic: str | None = None,
) -> BuildContext:
    """A BuildContext as config loading makes it (production by env name unless given)."""
    return BuildContext(
        project=project,
        env=env,
        app=app,
        stack=stack,
        region=region,
        production=is_production(env, production),
        tags=standard_tags(project, env, app, stack, {}),
        alarm_topic=alarm_topic,
    )


def render_blueprint(blueprint: str | type, vars: dict[str, Any], **context: Any) -> dict[str, Any]:
    """The template dict of `blueprint` (a registered name or a class) built with `vars`.

    Raises pydantic's ValidationError for bad vars and RenderError for a blueprint that
    breaks its contract (e.g. a declared output it did not add).
    """
    from infragen.blueprints.registry import get_blueprint
    from infragen.render.render import build_document

    cls = get_blueprint(blueprint) if isinstance(blueprint, str) else blueprint
    build = context_for(**context)
    validated = cls.Vars.model_validate(vars, context={"build": build})
    name = blueprint if isinstance(blueprint, str) else f"{cls.__module__}:{cls.__qualname__}"
    document, _ = build_document(cls, validated, build, name=name)
    return document

"""How a stack's template reaches CloudFormation: inline, or uploaded to `template_bucket`
when it is over the inline limit. deploy and plan both send templates, through this."""

from __future__ import annotations

from infragen.aws.gateway import Gateway
from infragen.aws.requests import TEMPLATE_BODY_LIMIT, template_argument, template_key
from infragen.deploy.manifest import Manifest, ManifestStack
from infragen.errors import InfragenError


class TemplateTooLargeError(InfragenError):
    """Over the inline TemplateBody limit with no template_bucket to upload to."""

    exit_code = 2


def template_source(manifest: Manifest, stack: ManifestStack, gateway: Gateway) -> dict[str, str]:
    """TemplateBody, or TemplateURL of the upload under the env's own prefix
    (`infragen/<project>/<env>/`), content-addressed so a plan and the deploy after it
    share one object."""
    body = stack.body()
    size = len(body.encode())
    if size <= TEMPLATE_BODY_LIMIT:
        return template_argument(body=body)
    bucket = manifest.template_bucket
    if not bucket:
        raise TemplateTooLargeError(
            f"template is {size} bytes, over CloudFormation's {TEMPLATE_BODY_LIMIT}-byte "
            "inline limit, and no template_bucket is configured",
            "set `template_bucket: <bucket>` in config/defaults.yaml (or the env file) "
            "and re-render",
            stack=stack.id,
        )
    key = template_key(manifest.project, manifest.env, stack.id, stack.sha256)
    return template_argument(url=gateway.upload_template(bucket, key, body))

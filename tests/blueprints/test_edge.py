"""Edge blueprints (cdn, waf-web-acl, acm-certificate): where each piece deploys, how the
us-east-1 pieces reach a distribution in another region, and the mistakes they refuse."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from blueprints.support import load_cfn, one, resources

# The app runs in eu-west-1; the certificate and the CLOUDFRONT web ACL are pinned to
# us-east-1 and reach the distribution's stack as !stack_output.
DEFAULTS = """\
project: acme
region: eu-west-1
apps:
  shop:
    stacks:
      cert:
        blueprint: acm-certificate
        region: us-east-1
        vars:
          domain_name: shop.example.com
          hosted_zone_id: Z0123456789ABC
          for_cloudfront: true
      edge-waf:
        blueprint: waf-web-acl
        region: us-east-1
        vars:
          scope: CLOUDFRONT
          rate_limit: {limit: 1000}
      site:
        blueprint: s3-bucket
        vars:
          cloudfront_read: {}
      cdn:
        blueprint: cdn
        vars:
          origins:
            site:
              s3: {bucket_name: !stack_output shop/site::BucketName}
          default_behavior: {origin: site}
          aliases: [shop.example.com]
          certificate_arn: !stack_output shop/cert::CertificateArn
          web_acl_arn: !stack_output shop/edge-waf::WebAclArn
          dns: {hosted_zone_id: Z0123456789ABC}
"""


@dataclass
class Rendered:
    """What `infragen render` wrote: the manifest and each stack's template."""

    manifest: dict[str, Any]
    templates: dict[str, dict[str, Any]]
    bodies: dict[str, str]


def render(
    tmp_path: Path, invoke: Callable[..., Result], dev: str = "{}\n", defaults: str = DEFAULTS
) -> Result:
    """`infragen render --env dev` on a config written to tmp_path."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "defaults.yaml").write_text(defaults)
    (config / "dev.yaml").write_text(dev)
    out = tmp_path / "templates_out"
    return invoke(
        "--config-dir", str(config), "--templates-dir", str(out), "render", "--env", "dev"
    )


def rendered_ok(tmp_path: Path, invoke: Callable[..., Result], dev: str = "{}\n") -> Rendered:
    result = render(tmp_path, invoke, dev)
    assert result.exit_code == 0, result.output
    out = tmp_path / "templates_out" / "dev"
    manifest = json.loads((out / "manifest.json").read_text())
    bodies = {sid: (out / s["template"]).read_text() for sid, s in manifest["stacks"].items()}
    return Rendered(manifest, {sid: load_cfn(b) for sid, b in bodies.items()}, bodies)


def stack_vars(stack: str, body: str) -> str:
    """dev.yaml replacing some vars of one stack; `body` is indented for `vars:`."""
    return f"apps:\n  shop:\n    stacks:\n      {stack}:\n        vars:\n{body}"


@pytest.fixture
def rendered(tmp_path: Path, invoke: Callable[..., Result]) -> Rendered:
    return rendered_ok(tmp_path, invoke)


def test_each_piece_lands_in_its_region(rendered: Rendered) -> None:
    stacks = rendered.manifest["stacks"]
    assert rendered.manifest["region"] == "eu-west-1"
    assert {sid: s["region"] for sid, s in stacks.items()} == {
        "shop/cert": "us-east-1",
        "shop/edge-waf": "us-east-1",
        "shop/site": "eu-west-1",
        "shop/cdn": "eu-west-1",
    }
    assert stacks["shop/cdn"]["depends_on"] == ["shop/cert", "shop/edge-waf", "shop/site"]
    # The distribution deploys after its producers, wherever they are.
    order = rendered.manifest["order"]
    assert order.index("shop/cdn") > max(order.index(s) for s in stacks["shop/cdn"]["depends_on"])


def test_the_distribution_takes_the_us_east_1_arns_as_parameters(rendered: Rendered) -> None:
    params = rendered.manifest["stacks"]["shop/cdn"]["parameters"]
    sources = {name: p["source"] for name, p in params.items()}
    assert sources["CertificateArn"] == {
        "kind": "stack_output",
        "stack": "shop/cert",
        "output": "CertificateArn",
    }
    assert sources["WebAclArn"] == {
        "kind": "stack_output",
        "stack": "shop/edge-waf",
        "output": "WebAclArn",
    }
    template = rendered.templates["shop/cdn"]
    assert set(template["Parameters"]) == {"CertificateArn", "WebAclArn", "OriginsSiteS3BucketName"}
    config = one(template, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": {"Ref": "CertificateArn"},
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert config["WebACLId"] == {"Ref": "WebAclArn"}
    origin = config["Origins"][0]
    assert origin["DomainName"] == {
        "Fn::Sub": [
            "${Bucket}.s3.${Region}.${AWS::URLSuffix}",
            {"Bucket": {"Ref": "OriginsSiteS3BucketName"}, "Region": {"Ref": "AWS::Region"}},
        ]
    }
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    records = resources(template, "AWS::Route53::RecordSet")
    assert sorted(r["Properties"]["Type"] for r in records.values()) == ["A", "AAAA"]


def test_the_us_east_1_stacks_produce_what_the_distribution_needs(rendered: Rendered) -> None:
    cert = rendered.templates["shop/cert"]
    certificate = one(cert, "AWS::CertificateManager::Certificate")["Properties"]
    assert certificate["ValidationMethod"] == "DNS"
    assert certificate["DomainValidationOptions"] == [
        {"DomainName": "shop.example.com", "HostedZoneId": "Z0123456789ABC"}
    ]
    waf = rendered.templates["shop/edge-waf"]
    acl = one(waf, "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    # Default managed groups plus the rate limit; every rule reports metrics and samples.
    assert [r["Name"] for r in acl["Rules"]] == [
        "RateLimitPerIp",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    for rule in acl["Rules"]:
        visibility = rule["VisibilityConfig"]
        assert visibility["CloudWatchMetricsEnabled"] and visibility["SampledRequestsEnabled"]
    group = one(waf, "AWS::Logs::LogGroup")["Properties"]
    assert group["LogGroupName"].startswith("aws-waf-logs-")
    assert group["RetentionInDays"] == 30


def test_one_bucket_policy_holds_tls_only_and_the_cloudfront_grant(rendered: Rendered) -> None:
    site = rendered.templates["shop/site"]
    policy = one(site, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids == ["DenyInsecureTransport", "AllowCloudFrontRead"]
    grant = policy["Statement"][1]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Action"] == ["s3:GetObject"]
    assert grant["Condition"] == {
        "StringLike": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/*"
            }
        }
    }


def test_the_cloudfront_grant_can_name_distributions(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    dev = stack_vars(
        "site",
        "          cloudfront_read:\n"
        "            distribution_arns:\n"
        "              - arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE\n",
    )
    site = rendered_ok(tmp_path, invoke, dev).templates["shop/site"]
    grant = one(site, "AWS::S3::BucketPolicy")["Properties"]["PolicyDocument"]["Statement"][1]
    assert grant["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": ["arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"]
        }
    }


def test_rendered_templates_pass_cfn_lint_with_infragen_rules(rendered: Rendered) -> None:
    from cfnlint.api import ManualArgs, lint

    rules = str(Path(__file__).resolve().parents[2] / "src" / "infragen" / "lint" / "rules")
    for sid, body in rendered.bodies.items():
        region = rendered.manifest["stacks"][sid]["region"]
        findings = lint(body, config=ManualArgs(regions=[region], append_rules=[rules]))
        assert [f"{m.rule.id} {m.message}" for m in findings] == [], sid


@pytest.mark.parametrize(
    ("stack", "blueprint", "var", "expected"),
    [
        (
            "edge-waf",
            "waf-web-acl",
            "scope: CLOUDFRONT",
            "scope: a web ACL for CloudFront must be created in us-east-1, but this stack deploys "
            "to eu-west-1; add `region: us-east-1` to the stack",
        ),
        (
            "cert",
            "acm-certificate",
            "for_cloudfront: true",
            "for_cloudfront: CloudFront only uses certificates from us-east-1, but this stack "
            "deploys to eu-west-1; add `region: us-east-1` to the stack",
        ),
    ],
)
def test_cloudfront_pieces_outside_us_east_1_are_refused(
    tmp_path: Path,
    invoke: Callable[..., Result],
    stack: str,
    blueprint: str,
    var: str,
    expected: str,
) -> None:
    pinned = f"      {stack}:\n        blueprint: {blueprint}\n        region: us-east-1\n"
    assert pinned in DEFAULTS
    defaults = DEFAULTS.replace(pinned, f"      {stack}:\n        blueprint: {blueprint}\n")
    result = render(tmp_path, invoke, defaults=defaults)
    assert result.exit_code == 2
    # A config error at the var that needs us-east-1; nothing written.
    lines = defaults.splitlines()
    line = lines.index(f"          {var}", lines.index(f"      {stack}:")) + 1
    assert f"defaults.yaml:{line}:" in result.output
    assert expected in result.output
    assert not (tmp_path / "templates_out" / "dev").exists()


@pytest.mark.parametrize(
    ("blueprint", "vars", "expected"),
    [
        ("waf-web-acl", {"scope": "CLOUDFRONT"}, "scope CLOUDFRONT: a web ACL for CloudFront"),
        (
            "acm-certificate",
            {"domain_name": "a.example.com", "hosted_zone_id": "Z1", "for_cloudfront": True},
            "for_cloudfront: CloudFront only uses certificates from us-east-1",
        ),
        (
            "cdn",
            {
                "origins": {"api": {"custom": {"domain_name": "api.example.com"}}},
                "default_behavior": {"origin": "api"},
                "alarms": {"error_rate_5xx_percent": 1},
            },
            "alarms: CloudFront publishes its metrics in us-east-1 only",
        ),
    ],
)
def test_build_refuses_the_wrong_region_without_config_validation(
    blueprint: str, vars: dict[str, Any], expected: str
) -> None:
    """A blueprint used directly (vars validated without a BuildContext) still refuses."""
    from infragen.blueprints.registry import get_blueprint
    from infragen.testing import context_for

    cls = get_blueprint(blueprint)
    instance = cls(cls.Vars.model_validate(vars), context_for(region="eu-west-1"))
    with pytest.raises(ValueError, match=expected):
        instance.build()


def test_cloudfront_alarms_need_the_stack_in_us_east_1(
    tmp_path: Path, invoke: Callable[..., Result]
) -> None:
    result = render(
        tmp_path, invoke, stack_vars("cdn", "          alarms: {error_rate_5xx_percent: 5}\n")
    )
    assert result.exit_code == 2
    assert (
        "alarms: CloudFront publishes its metrics in us-east-1 only, so an alarm in eu-west-1 "
        "would never fire" in result.output
    )


# (id, stack, dev.yaml vars body, expected "dotted.path: message" fragment)
BAD_VARS = [
    (
        "literal-origin-verify",
        "cdn",
        "          origins:\n"
        "            api:\n"
        "              custom: {domain_name: api.example.com}\n"
        "              headers: {X-Origin-Verify: hunter2-not-a-secret}\n",
        "origins.api.headers.X-Origin-Verify: X-Origin-Verify carries a secret: its value must be "
        "`!secret secretsmanager:name[:key]`",
    ),
    (
        "env-for-secret-header",
        "cdn",
        "          origins:\n"
        "            api:\n"
        "              custom: {domain_name: api.example.com}\n"
        "              headers: {X-Api-Key: !env API_KEY}\n",
        "origins.api.headers.X-Api-Key: X-Api-Key carries a secret",
    ),
    (
        "forbidden-origin-header",
        "cdn",
        "          origins:\n"
        "            api:\n"
        "              custom: {domain_name: api.example.com}\n"
        "              headers: {Host: example.com}\n",
        "origins.api.headers.Host: CloudFront cannot add the Host header to origin requests",
    ),
    (
        "origin-with-scheme",
        "cdn",
        "          origins:\n            api:\n              custom: {domain_name: https://x.example.com}\n",
        "origins.api.custom.domain_name: 'https://x.example.com': give the host name only",
    ),
    (
        "unknown-behaviour-origin",
        "cdn",
        "          behaviors: [{path: /api/*, origin: api}]\n",
        "behaviors.0.origin: origin 'api' is not one of ['site']",
    ),
    (
        "s3-written-through-cloudfront",
        "cdn",
        "          default_behavior: {origin: site, allowed_methods: ALL}\n",
        "default_behavior.allowed_methods: an S3 origin is read-only through CloudFront",
    ),
    (
        "s3-with-host-forwarding",
        "cdn",
        "          default_behavior: {origin: site, origin_request_policy: AllViewer}\n",
        "default_behavior.origin_request_policy: this origin request policy forwards the viewer's "
        "Host header, which S3 refuses",
    ),
    (
        "unknown-managed-policy",
        "cdn",
        "          default_behavior: {origin: site, cache_policy: CachingOptimised}\n",
        "default_behavior.cache_policy: 'CachingOptimised' is neither an AWS managed cache policy",
    ),
    (
        "certificate-outside-us-east-1",
        "cdn",
        "          certificate_arn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n",
        "certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' is not an ACM "
        "certificate ARN in us-east-1",
    ),
    (
        "regional-web-acl",
        "cdn",
        "          web_acl_arn: arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1\n",
        "web_acl_arn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/x/1' is not the ARN "
        "of a CLOUDFRONT-scope web ACL",
    ),
    (
        "raw-behaviour-allows-http",
        "cdn",
        "          behaviors:\n"
        "            - cloudformation:\n"
        "                PathPattern: /raw/*\n"
        "                TargetOriginId: site\n"
        "                ViewerProtocolPolicy: allow-all\n",
        "behaviors.0.cloudformation.ViewerProtocolPolicy: viewers must use HTTPS",
    ),
    (
        "raw-behaviour-typo",
        "cdn",
        "          behaviors:\n"
        "            - cloudformation:\n"
        "                PathPattern: /raw/*\n"
        "                TargetOriginId: site\n"
        "                ViewerProtocolPolicy: https-only\n"
        "                CachePolicyID: abc\n",
        "behaviors.0.cloudformation.CachePolicyID: CacheBehavior has no property 'CachePolicyID'; "
        "did you mean 'CachePolicyId'?",
    ),
    (
        "rate-limit-too-low",
        "edge-waf",
        "          rate_limit: {limit: 5}\n",
        "rate_limit.limit: limit 5 is outside AWS WAF's 10-2,000,000,000 requests",
    ),
    (
        "managed-group-typo",
        "edge-waf",
        "          managed_rule_groups: [AWSManagedRulesSQLIRuleSet]\n",
        "did you mean AWSManagedRulesSQLiRuleSet?",
    ),
    (
        "uppercase-search-string",
        "edge-waf",
        "          block_containing: [{name: NoAdmin, values: [/Admin]}]\n",
        "block_containing.0.values.0: '/Admin' has capitals but the request is lowercased",
    ),
    (
        "custom-statement-typo",
        "edge-waf",
        "          rules:\n"
        "            - name: Nested\n"
        "              statement:\n"
        "                NotStatement:\n"
        "                  Statement:\n"
        "                    GeoMatchStatement: {CountryCode: [DE]}\n",
        "rules.0.statement.NotStatement.Statement.GeoMatchStatement.CountryCode: GeoMatchStatement "
        "has no property 'CountryCode'; did you mean 'CountryCodes'?",
    ),
    (
        "cloudfront-acl-association",
        "edge-waf",
        "          associate: [arn:aws:apprunner:us-east-1:123456789012:service/web/abc]\n",
        "associate: a CLOUDFRONT web ACL is attached by the distribution",
    ),
]


@pytest.mark.parametrize(
    ("stack", "body", "expected"), [c[1:] for c in BAD_VARS], ids=[c[0] for c in BAD_VARS]
)
def test_bad_vars_are_located_config_errors(
    tmp_path: Path, invoke: Callable[..., Result], stack: str, body: str, expected: str
) -> None:
    result = render(tmp_path, invoke, stack_vars(stack, body))
    assert result.exit_code == 2, result.output
    assert "dev.yaml:" in result.output
    assert expected in result.output
    assert "hunter2" not in result.output

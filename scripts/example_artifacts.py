"""What the example's `dev` environment expects to exist before it is deployed, as in a
real account, created on infragen's emulator: the cat-detector Lambda code zip in the
artifacts bucket, the certificate whose ARN omnigen's ALB reads from SSM, and the Route 53
hosted zones whose ids the config names.

Used by `make demo` (scripts/demo.py), bench/deploy.py and the example's deploy tests.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infragen.emulator.server import Emulator


def seed(emulator: Emulator, templates: Path) -> None:
    """Create the artifacts; `templates` is the rendered `templates_out/dev`."""
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    s3 = session.client("s3", endpoint_url=emulator.endpoint)
    s3.create_bucket(Bucket="acme-artifacts")
    s3.put_object(Bucket="acme-artifacts", Key="cat-detector/lambda.zip", Body=code.getvalue())
    # omnigen's ALB reads its certificate's ARN from SSM (the seed names no certificate).
    acm = session.client("acm", endpoint_url=emulator.endpoint)
    certificate = acm.request_certificate(
        DomainName="omnigen.dev.example.com", ValidationMethod="DNS"
    )
    session.client("ssm", endpoint_url=emulator.endpoint).put_parameter(
        Name="/acme/dev/omnigen/alb-certificate-arn",
        Type="String",
        Value=certificate["CertificateArn"],
    )
    for zone_id, name in hosted_zones_named_in(templates).items():
        emulator.create_hosted_zone(name, zone_id)


def hosted_zones_named_in(templates: Path) -> dict[str, str]:
    """Zone id -> zone name (the record's parent domain) for every record set that names
    its zone by a literal id, as the example's DNS records do."""
    zones: dict[str, str] = {}
    record = re.compile(r"^      HostedZoneId: (Z\w+)\n      Name: (\S+)$", re.MULTILINE)
    for template in sorted(templates.glob("*/*.yaml")):
        for zone_id, name in record.findall(template.read_text()):
            zones.setdefault(zone_id, name.split(".", 1)[1])
    return zones

"""AWS Certificate Manager, backed by moto's ACM backend.

The certificate exists in moto (DescribeCertificate, ListCertificates) as a requested
certificate; DNS/e-mail validation does not happen, moto decides when it is ISSUED.
"""

from __future__ import annotations

from typing import Any

from moto.acm.models import AWSCertificateManagerBackend, acm_backends
from moto.core.common_models import CloudFormationModel

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> AWSCertificateManagerBackend:
    return acm_backends[resource.account_id][resource.region_name]


class Certificate(EmulatedResource, CloudFormationModel):
    """AWS::CertificateManager::Certificate: a moto certificate; Ref and CertificateArn are
    its ARN. Tags update in place; a new domain (or validation setup) replaces it."""

    TYPE = "AWS::CertificateManager::Certificate"
    ATTRIBUTES = frozenset({"CertificateArn"})
    CREATE_ONLY = (
        "DomainName",
        "SubjectAlternativeNames",
        "DomainValidationOptions",
        "ValidationMethod",
        "KeyAlgorithm",
        "CertificateAuthorityArn",
    )

    def _tag_list(self) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in self.tags.items()]

    def on_create(self) -> None:
        self.certificate_arn = _backend(self).request_certificate(
            domain_name=self.prop("DomainName"),
            idempotency_token=None,  # type: ignore[arg-type]
            subject_alt_names=list(self.prop("SubjectAlternativeNames", [])),
            tags=self._tag_list(),
            cert_authority_arn=self.prop("CertificateAuthorityArn"),
        )

    def on_update(self, previous: dict[str, Any]) -> None:
        certificate = _backend(self).get_certificate(self.certificate_arn)
        certificate.tags.clear()
        certificate.tags.add(self._tag_list())

    def on_delete(self) -> None:
        _backend(self).delete_certificate(self.certificate_arn)

    def ref(self) -> str:
        return self.certificate_arn

    def attributes(self) -> dict[str, Any]:
        return {"CertificateArn": self.certificate_arn}

"""AWS Identity and Access Management: the OIDC provider, backed by moto's IAM backend."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.iam.models import IAMBackend, iam_backends
from moto.utilities.utils import get_partition

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> IAMBackend:
    return iam_backends[resource.account_id][get_partition(resource.region_name)]


class OIDCProvider(EmulatedResource, CloudFormationModel):
    """AWS::IAM::OIDCProvider: a moto OIDC provider (ListOpenIDConnectProviders shows it);
    Ref and Arn are `arn:aws:iam::<account>:oidc-provider/<host/path>`. Client ids,
    thumbprints and tags update in place; a new Url replaces it."""

    TYPE = "AWS::IAM::OIDCProvider"
    ATTRIBUTES = frozenset({"Arn"})
    CREATE_ONLY = ("Url",)

    def on_create(self) -> None:
        provider = _backend(self).create_open_id_connect_provider(
            url=self.prop("Url"),
            thumbprint_list=list(self.prop("ThumbprintList", [])),
            client_id_list=list(self.prop("ClientIdList", [])),
            tags=[{"Key": k, "Value": v} for k, v in self.tags.items()],
        )
        self.provider_arn = provider.arn

    def on_update(self, previous: dict[str, Any]) -> None:
        provider = _backend(self).get_open_id_connect_provider(self.provider_arn)
        provider.thumbprint_list = list(self.prop("ThumbprintList", []))
        provider.client_id_list = list(self.prop("ClientIdList", []))
        provider.tags = {k.lower(): {"Key": k, "Value": v} for k, v in self.tags.items()}

    def on_delete(self) -> None:
        _backend(self).delete_open_id_connect_provider(self.provider_arn)

    def ref(self) -> str:
        return self.provider_arn

    def attributes(self) -> dict[str, Any]:
        return {"Arn": self.provider_arn}

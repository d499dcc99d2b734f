"""Amazon ECR's registry scanning configuration, backed by moto's ECR backend
(GetRegistryScanningConfiguration returns it; matching repositories get its frequency)."""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ecr.models import ECRBackend, ecr_backends

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> ECRBackend:
    return ecr_backends[resource.account_id][resource.region_name]


def _rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CloudFormation's rules in the API's (camelCase) shape."""
    return [
        {
            "scanFrequency": rule.get("ScanFrequency"),
            "repositoryFilters": [
                {"filter": f.get("Filter"), "filterType": f.get("FilterType")}
                for f in rule.get("RepositoryFilters", [])
            ],
        }
        for rule in rules
    ]


class RegistryScanningConfiguration(EmulatedResource, CloudFormationModel):
    """AWS::ECR::RegistryScanningConfiguration: the region's one scanning configuration in
    moto; Ref and RegistryId are the account id. Deleting it restores BASIC scanning."""

    TYPE = "AWS::ECR::RegistryScanningConfiguration"
    ATTRIBUTES = frozenset({"RegistryId"})

    def _put(self) -> None:
        _backend(self).put_registry_scanning_configuration(
            self.prop("ScanType", "BASIC"), _rules(self.prop("Rules", []))
        )

    def on_create(self) -> None:
        self._put()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._put()

    def on_delete(self) -> None:
        _backend(self).put_registry_scanning_configuration("BASIC", [])

    def ref(self) -> str:
        return self.account_id

    def attributes(self) -> dict[str, Any]:
        return {"RegistryId": self.account_id}

"""Amazon S3 bucket policies, backed by moto's S3 backend (GetBucketPolicy returns them)."""

from __future__ import annotations

import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.s3.models import S3Backend, s3_backends
from moto.utilities.utils import get_partition

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> S3Backend:
    return s3_backends[resource.account_id][get_partition(resource.region_name)]


class BucketPolicy(EmulatedResource, CloudFormationModel):
    """AWS::S3::BucketPolicy: the bucket's policy in moto; Ref is the bucket name (the
    type's identifier). A policy change updates in place, another bucket replaces it."""

    TYPE = "AWS::S3::BucketPolicy"
    CREATE_ONLY = ("Bucket",)

    def _put(self) -> None:
        document = self.prop("PolicyDocument", {})
        text = document if isinstance(document, str) else json.dumps(document)
        _backend(self).put_bucket_policy(self.prop("Bucket"), text.encode())

    def on_create(self) -> None:
        self._put()

    def on_update(self, previous: dict[str, Any]) -> None:
        self._put()

    def on_delete(self) -> None:
        backend = _backend(self)
        if self.prop("Bucket") in backend.buckets:
            backend.delete_bucket_policy(self.prop("Bucket"))

    def ref(self) -> str:
        return str(self.prop("Bucket"))

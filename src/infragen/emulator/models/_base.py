"""The shared machinery of infragen's CloudFormation models for moto.

moto finds a model through `CloudFormationModel.__subclasses__()`, i.e. only DIRECT
subclasses count. So the shared behaviour lives in `EmulatedResource`, a plain mixin, and
every model is declared `class X(EmulatedResource, CloudFormationModel)`.

A model declares its type, the property holding its physical name, the GetAtt attributes
CloudFormation documents for it and its create-only properties (a change to one of them
replaces the resource, with new ids, as CloudFormation does); it computes its ids in
`on_create` and answers `ref()` and `attributes()`. Where moto has a backend for the
service, a model creates the resource there, so the service's own API shows it; every
model is also indexed in `emulator_backends`, a moto `BackendDict`, which is all the state
of the types moto has no backend for. `POST /moto-api/reset` clears both.
"""

from __future__ import annotations

import hashlib
import string
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.base_backend import BackendDict, BaseBackend

LOWER = string.ascii_lowercase + string.digits
UPPER = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"


class EmulatorBackend(BaseBackend):
    """Resources of infragen's models in one account and region: type -> key -> resource."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.resources: dict[str, dict[str, EmulatedResource]] = defaultdict(dict)
        self.serial = 0

    def of_type(self, resource_type: str) -> Iterator[EmulatedResource]:
        yield from list(self.resources[resource_type].values())


# "cloudformation" only names the regions a backend exists in: where CloudFormation runs.
emulator_backends: BackendDict[EmulatorBackend] = BackendDict(EmulatorBackend, "cloudformation")


def backend(account_id: str, region_name: str) -> EmulatorBackend:
    return emulator_backends[account_id][region_name]


def tags_of(properties: dict[str, Any]) -> dict[str, str]:
    """CloudFormation tags ([{Key, Value}] or a plain map) as a dict."""
    tags = properties.get("Tags") or {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags if "Key" in t}


def truthy(value: Any) -> bool:
    """A CloudFormation boolean: true, "true" or "True" (parameters arrive as strings)."""
    return value is True or str(value).lower() == "true"


def _at(properties: dict[str, Any], path: str) -> Any:
    value: Any = properties
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class EmulatedResource:
    """Mixin for one CloudFormation resource type moto lacks (not a model by itself)."""

    TYPE: ClassVar[str]
    # The property holding the physical name, "" when the type has none (moto's name type).
    NAME_PROPERTY: ClassVar[str] = ""
    # GetAtt attributes CloudFormation documents (resource schema readOnlyProperties).
    ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()
    # Properties whose change replaces the resource (schema createOnlyProperties; a nested
    # one as "Outer/Inner").
    CREATE_ONLY: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        name: str,
        properties: dict[str, Any],
        account_id: str,
        region_name: str,
        logical_id: str = "",
        stack_id: str = "",
    ) -> None:
        self.name = name
        self.properties = properties
        self.account_id = account_id
        self.region_name = region_name
        self.logical_id = logical_id
        self.stack_id = stack_id
        store = backend(account_id, region_name)
        store.serial += 1
        self.serial = store.serial
        self.on_create()
        store.resources[self.TYPE][self.key()] = self

    # --- what a model implements -------------------------------------------------------

    def on_create(self) -> None:
        """Compute ids and create backing state (called once, before `ref()` is read)."""

    def on_update(self, previous: dict[str, Any]) -> None:
        """Apply changed properties in place; ids stay (`self.properties` is already new)."""

    def on_delete(self) -> None:
        """Remove backing state."""

    def ref(self) -> str:
        """What `Ref` returns, as CloudFormation documents it for the type."""
        raise NotImplementedError

    def attributes(self) -> dict[str, Any]:
        """Every attribute in ATTRIBUTES with its value."""
        return {}

    def key(self) -> str:
        """Unique among the type's resources in the region (Ref, unless Ref is not)."""
        return self.ref()

    # --- helpers -------------------------------------------------------------------------

    def prop(self, key: str, default: Any = None) -> Any:
        value = self.properties.get(key)
        return default if value is None else value

    def token(self, length: int, alphabet: str = LOWER, salt: str = "") -> str:
        """A random-looking id, derived from where the resource was declared (reproducible)."""
        seed = "|".join(
            (
                self.TYPE,
                self.account_id,
                self.region_name,
                self.stack_id,
                self.logical_id,
                self.name,
                str(self.serial),
                salt,
            )
        )
        digest = hashlib.sha256(seed.encode()).digest()
        while len(digest) < length:
            digest += hashlib.sha256(digest).digest()
        return "".join(alphabet[b % len(alphabet)] for b in digest[:length])

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        region = self.region_name if region is None else region
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource}"

    @property
    def tags(self) -> dict[str, str]:
        return tags_of(self.properties)

    # --- moto's CloudFormationModel interface ------------------------------------------

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return self.attributes()[attribute_name]

    @property
    def physical_resource_id(self) -> str:
        return self.ref()

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> EmulatedResource:
        return cls(
            resource_name,
            dict(cloudformation_json.get("Properties") or {}),
            account_id,
            region_name,
            logical_id=kwargs.get("LogicalId", ""),
            stack_id=kwargs.get("StackId", ""),
        )

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: EmulatedResource,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> EmulatedResource:
        """In place, same ids; a replacement (new ids) when a create-only property changed.

        moto passes a freshly generated name when the template names none: a replacement
        takes it, an in-place update keeps the name it has, as CloudFormation does.
        """
        properties = dict(cloudformation_json.get("Properties") or {})
        previous = original_resource.properties
        named = bool(cls.NAME_PROPERTY and properties.get(cls.NAME_PROPERTY))
        renamed = named and new_resource_name != original_resource.name
        if renamed or any(_at(properties, k) != _at(previous, k) for k in cls.CREATE_ONLY):
            replacement = cls(
                new_resource_name,
                properties,
                account_id,
                region_name,
                logical_id=original_resource.logical_id,
                stack_id=original_resource.stack_id,
            )
            if replacement.key() != original_resource.key():
                original_resource.delete(account_id, region_name)
            return replacement
        original_resource.properties = properties
        original_resource.on_update(previous)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        resources = backend(account_id, region_name).resources[cls.TYPE]
        for found in [r for r in resources.values() if r.ref() == resource_name]:
            found.delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.on_delete()
        backend(self.account_id, self.region_name).resources[self.TYPE].pop(self.key(), None)

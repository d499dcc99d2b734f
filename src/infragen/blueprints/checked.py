"""Vars for large property surfaces, checked by troposphere's own property classes.

ECS container definitions, CloudFront cache behaviours and WAF rules have hundreds of
properties; a blueprint should not re-model them in pydantic. A field typed
`Checked(ecs.ContainerDefinition)` takes a mapping written with CloudFormation's own keys;
every key, nested object and value type is checked against troposphere's class at config
validation time, so a typo is a located config error (file:line of the key), not a failed
deploy. Deploy-time tags inside the mapping become Parameters like anywhere else.
(Runway CFNgin's `TroposphereType` is the model.)
"""

from __future__ import annotations

import collections.abc
import contextlib
import difflib
import io
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator
from troposphere import AWSHelperFn, BaseAWSObject, Ref

from infragen.blueprints.base import VarError
from infragen.config.tags import ConfigTag


@dataclass(frozen=True)
class CheckedBy:
    """Field metadata: the troposphere class a mapping var is checked against."""

    cls: type[BaseAWSObject]


def Checked(cls: type[BaseAWSObject], *, partial: bool = False) -> Any:
    """A mapping var checked against troposphere's `cls` (an AWSProperty subclass).

    `partial`: the blueprint fills some properties itself (an ECS container's Name and Image),
    so the mapping's own top level may leave required properties out.
    """

    def check(value: dict[str, Any]) -> dict[str, Any]:
        check_properties(cls, value, (), required=not partial)
        return value

    return Annotated[dict[str, Any], AfterValidator(check), CheckedBy(cls)]


def build_property(cls: type[BaseAWSObject], value: dict[str, Any]) -> Any:
    """The troposphere object for a checked mapping (after deploy tags became Refs)."""
    with _quiet():
        return cls._from_dict(None, **value)


def check_properties(
    cls: type[BaseAWSObject], value: Any, path: tuple[str | int, ...], *, required: bool = True
) -> None:
    """Raise VarError at the first unknown key, wrong type or (if `required`) missing property."""
    if not isinstance(value, collections.abc.Mapping):
        raise VarError(f"expected a mapping of {cls.__name__} properties", *path)
    for key, item in value.items():
        spec = cls.props.get(key)
        if spec is None:
            close = difflib.get_close_matches(str(key), cls.props, n=1)
            known = (
                f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(sorted(cls.props))
            )
            raise VarError(
                f"{cls.__name__} has no property {key!r}; {known}", *path, key, at_key=True
            )
        _check_value(cls, key, spec[0], item, (*path, key))
    missing = sorted(k for k, (_, needed) in cls.props.items() if needed and k not in value)
    if required and missing:
        raise VarError(f"{cls.__name__} needs {', '.join(missing)}", *path)


def _check_value(cls: type, key: str, kind: Any, item: Any, path: tuple[str | int, ...]) -> None:
    if isinstance(item, ConfigTag | AWSHelperFn):
        return  # a deploy-time value: CloudFormation checks it
    if _is_object(kind):
        check_properties(kind, item, path)
        return
    if isinstance(kind, list):
        if not isinstance(item, list):
            raise VarError(f"{key} takes a list", *path)
        if _is_object(kind[0]):
            for index, element in enumerate(item):
                _check_value(cls, key, kind[0], element, (*path, index))
            return
        # A list of plain values (ECS `Command: [str]`): troposphere checks it whole.
    try:
        with _quiet():
            cls._from_dict(None, **{key: _placeholders(item)})
    except (TypeError, ValueError, AttributeError) as exc:
        raise VarError(f"{key}: {exc}", *path) from None


def _is_object(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseAWSObject)


def _placeholders(item: Any) -> Any:
    """Deploy tags stand in as Refs while troposphere checks the literal around them."""
    if isinstance(item, ConfigTag):
        return Ref("DeployTimeValue")
    if isinstance(item, list):
        return [_placeholders(i) for i in item]
    if isinstance(item, dict):
        return {k: _placeholders(v) for k, v in item.items()}
    return item


@contextlib.contextmanager
def _quiet() -> Any:
    """troposphere writes a validator's failure to stderr before raising; we report it."""
    with contextlib.redirect_stderr(io.StringIO()):
        yield

"""The shape of manifest.json, checked with pydantic (imported only when a manifest is read
without having just been verified against the config: `status`, `delete`, `diff`...)."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infragen.model import ACCOUNT_PATTERN, ROLE_ARN_PATTERN, StackSetSpec

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Keys a parameter source of each kind needs (deploy reads them); other kinds are refused by
# deploy with their own message.
_SOURCE_KEYS = {
    "stack_output": ("stack", "output"),
    "env": ("name",),
    "ssm": ("path",),
    "secret": ("secret_id",),
}


class ManifestShapeError(ValueError):
    """What is wrong, by key path; the caller adds the file and line."""

    def __init__(self, problems: list[str], first: tuple[int | str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.first = first

    @property
    def shown(self) -> str:
        more = len(self.problems) - 3
        return "; ".join(self.problems[:3]) + (f" (and {more} more)" if more > 0 else "")


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """The manifest with defaults filled in, or ManifestShapeError naming each wrong key."""
    try:
        return _ManifestModel.model_validate(data).model_dump(mode="json")
    except ValidationError as exc:
        errors = exc.errors()
        raise ManifestShapeError(
            [f"{_key_path(e['loc'])}: {e['msg']}" for e in errors], errors[0]["loc"]
        ) from None


class _Strict(BaseModel):
    # JSON types as written: "true" is not a bool, 1 is not a string.
    model_config = ConfigDict(strict=True)


class _ParameterModel(_Strict):
    type: str
    no_echo: bool = False
    source: dict[str, str]

    @field_validator("source")
    @classmethod
    def _known_shape(cls, source: dict[str, str]) -> dict[str, str]:
        if "kind" not in source:
            raise ValueError("a parameter source needs a 'kind'")
        missing = [k for k in _SOURCE_KEYS.get(source["kind"], ()) if k not in source]
        if missing:
            raise ValueError(f"a {source['kind']} source needs {', '.join(missing)}")
        return source


class _HookModel(_Strict):
    argv: list[str] | None = Field(default=None, min_length=1)
    shell: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> _HookModel:
        if (self.argv is None) == (self.shell is None):
            raise ValueError("a hook has exactly one of 'argv' and 'shell'")
        return self


_HookEvent = Literal["before_deploy", "after_deploy", "before_delete", "after_delete"]


def _account(account_id: str | None) -> str | None:
    if account_id is not None and not re.match(ACCOUNT_PATTERN, account_id):
        raise ValueError("must be 12 digits")
    return account_id


def _role_arn(role_arn: str | None) -> str | None:
    if role_arn is not None and not re.match(ROLE_ARN_PATTERN, role_arn):
        raise ValueError("must be an IAM role ARN (arn:aws:iam::123456789012:role/name)")
    return role_arn


class _RetiredAccountModel(_Strict):
    account_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None

    _twelve_digits = field_validator("account_id")(_account)
    _role = field_validator("role_arn")(_role_arn)


class _RetiredModel(_Strict):
    """Where prune also lists (config `retired:`)."""

    regions: list[str] = []
    accounts: list[_RetiredAccountModel] = []


class _StackModel(_Strict):
    name: str
    template: str
    sha256: str
    region: str | None = None
    depends_on: list[str] = []
    parameters: dict[str, _ParameterModel] = {}
    outputs: list[str] = []
    tags: dict[str, str] = {}
    termination_protection: bool = False
    stackset: StackSetSpec | None = None
    account_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None

    _twelve_digits = field_validator("account_id")(_account)
    _role = field_validator("role_arn")(_role_arn)

    hooks: dict[_HookEvent, list[_HookModel]] = {}

    @field_validator("template")
    @classmethod
    def _inside_env_dir(cls, template: str) -> str:
        path = PurePosixPath(template)
        if not template or path.is_absolute() or ".." in path.parts:
            raise ValueError("must be a path inside templates_out/<env>/")
        return template

    @field_validator("sha256")
    @classmethod
    def _hex_digest(cls, sha256: str) -> str:
        if not _SHA256_RE.match(sha256):
            raise ValueError("must be 64 lowercase hex digits")
        return sha256


class _ManifestModel(_Strict):
    """The manifest as render writes it; keys infragen does not read are ignored."""

    version: int
    env: str
    project: str
    region: str
    production: bool = False
    template_bucket: str | None = None
    rollback_monitoring_minutes: int | None = Field(default=None, ge=0, le=180)
    retired: _RetiredModel | None = None
    stacks: dict[str, _StackModel]


def _key_path(loc: tuple[int | str, ...]) -> str:
    """`("stacks", "shop/api", "sha256")` -> `stacks["shop/api"].sha256`."""
    text = ""
    for part in loc:
        if isinstance(part, int) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", part):
            text += f"[{json.dumps(part)}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"

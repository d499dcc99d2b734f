"""`infragen blueprints NAME`: optional blocks, list items, ranges, descriptions, one-of groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest
from click.testing import Result
from pydantic import BaseModel, Field

from infragen.blueprints import describe as describe_module
from infragen.blueprints.base import BlueprintVars


def test_optional_blocks_and_list_items(invoke: Callable[..., Result]) -> None:
    result = invoke("blueprints", "lambda-function")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    # a field of an optional block is required only when the block is given
    assert "  zip.s3_key                     str | !tag  (required when zip is given)" in lines
    # a list of models: the list, what one item is, then each item's fields
    at = lines.index("  policy                         list[Permission]  (default [])")
    assert lines[at + 1].strip().startswith("One Allow statement.")
    assert lines[at + 2 : at + 5] == [
        "  policy[].actions               list[str]  (required in each policy item; length >= 1)",
        "  policy[].resources             list[str | !tag]  (required in each policy item; "
        "length >= 1)",
        "  policy[].sid                   str | null  (default None; pattern ^[A-Za-z0-9]+$)",
    ]
    # ranges from the model
    assert "  ephemeral_storage_mb           int  (default 512; 512..10240)" in lines
    assert "  reserved_concurrency           int | null  (default None; >= 0)" in lines
    assert "  vpc.grant_ingress[].port       int  (required in each vpc.grant_ingress item; " in (
        result.output
    )


class _Code(BaseModel):
    bucket: str


class _Image(BaseModel):
    uri: str


class _Vars(BlueprintVars):
    exactly_one_of: ClassVar[tuple[tuple[str, ...], ...]] = (("code", "image"),)

    code: _Code | None = None
    image: _Image | None = None
    size: int = Field(default=2, ge=1, lt=10, description="How many,\n  at most nine.")


class _Sample:
    description = "A sample"
    Vars = _Vars
    outputs: ClassVar[dict[str, str]] = {"Arn": "its ARN"}


def test_descriptions_and_exactly_one_of(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(describe_module, "get_blueprint", lambda name: _Sample)
    assert describe_module.describe("sample").splitlines() == [
        "sample: A sample",
        "",
        "vars:",
        "  code.bucket                    str  (required when code is given)",
        "  image.uri                      str  (required when image is given)",
        "  size                           int  (default 2; >= 1; < 10)",
        "                                   How many, at most nine.",
        "  exactly one of code / image",
        "",
        "outputs:",
        "  Arn                            its ARN",
    ]

"""Table-driven checks of the helpers the rules share.

The facts they share with the blueprints (secret names, IAM actions) are tested in
tests/foundation/test_facts.py.
"""

from __future__ import annotations

import pytest

from infragen.lint import _shared as shared


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("true", True),
        ("True", True),
        (False, False),
        ("false", False),
        (None, False),
        ({"Ref": "Flag"}, False),
        ({"Fn::If": ["Prod", True, "true"]}, True),
        ({"Fn::If": ["Prod", True, False]}, False),
    ],
)
def test_is_true(value, expected) -> None:
    assert shared.is_true(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Sg"}, "Sg"),
        ({"Fn::GetAtt": ["Sg", "GroupId"]}, "Sg"),
        ({"Fn::GetAtt": "Sg.GroupId"}, "Sg"),
        ("sg-0123", None),
        ({"Fn::ImportValue": "x"}, None),
    ],
)
def test_referenced_logical_id(value, expected) -> None:
    assert shared.referenced_logical_id(value) == expected


def test_entropy_separates_words_from_keys() -> None:
    assert shared.shannon_entropy("aaaaaaaaaaaaaaaa") == 0
    assert shared.shannon_entropy("hours") < 3.5
    assert shared.shannon_entropy("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") > 3.5

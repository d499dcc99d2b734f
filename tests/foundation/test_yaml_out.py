"""The template writer: whatever it writes, YAML reads back as the same document."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from foundation.test_render import CfnLoader
from infragen.render.yaml_out import dump_template

TRICKY = [
    "",
    " ",
    "plain",
    "10.0.0.0/16",
    "yes",
    "No",
    "on",
    "off",
    "null",
    "~",
    "true",
    "False",
    "0",
    "-1",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "1_000",
    "10:30",
    "190:20:30",
    "2010-09-09",
    ".inf",
    "-.inf",
    ".nan",
    "<<",
    "=",
    "-",
    "- item",
    "?",
    ": x",
    "a: b",
    "a:b",
    "key:",
    "# comment",
    "a #b",
    "a#b",
    "x, y",
    "[x]",
    "{x}",
    "*alias",
    "&anchor",
    "!tag",
    "|",
    ">",
    "'single'",
    '"double"',
    "it's",
    "%percent",
    "@at",
    "`tick`",
    " leading",
    "trailing ",
    "tab\there",
    "line\nbreak",
    "ends with newline\n",
    "two newlines\n\n",
    "\nstarts",
    "  indented\nblock",
    "trailing space \nline",
    "unicode é ü 東京",
    "nel\x85",
    "bell\x07",
    "${AWS::Region}",
    "arn:aws:s3:::bucket/*",
    "{{resolve:secretsmanager:x:SecretString:k}}",
    "rate(5 minutes)",
    "*",
    "s3:*",
    "0.0.0.0/0",
]


def roundtrip(document: dict) -> dict:
    return yaml.load(dump_template(document), Loader=CfnLoader)


@pytest.mark.parametrize("text", TRICKY, ids=repr)
def test_strings_read_back_identically(text: str) -> None:
    document = {
        "Value": text,
        text or "k": 1,
        "List": [text, {"Nested": text}, [text]],
        "Tags": [{"Key": "k", "Value": text}],
        "Sub": {"Fn::Sub": text},
        "Select": {"Fn::Select": [0, {"Fn::Split": [",", text]}]},
        "Deep": [{"A": {"Fn::Join": ["", [text, {"Ref": "X"}]]}, "B": [text]}],
    }
    assert roundtrip(document) == document


@pytest.mark.parametrize(
    "value", [0, 7, -3, 2.5, 1e-05, 1.5e300, True, False, None, [], {}, [[]], [{}]]
)
def test_other_scalars(value: object) -> None:
    document = {"V": value, "L": [value], "M": {"K": value}}
    assert roundtrip(document) == document


def test_nested_intrinsics_and_getatt() -> None:
    document = {
        "A": {"Fn::GetAtt": ["Role", "Arn"]},
        "B": {"Fn::Base64": {"Fn::Sub": "#!/bin/bash\necho ${X}\n"}},
        "C": {"Fn::If": ["Cond", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
        "D": [{"Fn::GetAtt": ["X", "Y"]}, {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}],
        "E": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    }
    text = dump_template(document)
    assert "A: !GetAtt Role.Arn" in text
    assert "B:\n  Fn::Base64: !Sub |\n    #!/bin/bash\n    echo ${X}\n" in text
    assert roundtrip(document) == document


def test_every_committed_template_is_written_as_it_reads() -> None:
    root = Path(__file__).resolve().parents[2] / "templates_out"
    paths = sorted(root.glob("*/*/*.yaml"))
    assert paths
    for path in paths:
        text = path.read_text()
        document = yaml.load(text, Loader=CfnLoader)
        assert roundtrip(document) == document, path

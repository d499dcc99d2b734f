"""Which names look like secrets, and what lint says about a Parameter that carries one.

One decision for both sides: the blueprint base makes a Parameter NoEcho when its name looks
secret, rule E9701 flags a secret-looking Parameter that is not NoEcho, rule E9702 flags literal
values under secret-looking names. If the two sides used different word lists, a name only one of
them knew (`DB_PASSWD`) would render in clear and then fail lint.

A name is split into words (`DB_PASSWD`, `DbPasswd` -> db, passwd) and is secret when a word is
secret material (password, passwd, pwd, passphrase, secret, token, credential(s), api key,
private key, signing key, ...), or its last word is `pass` or `auth` (`DB_PASS`, `BASIC_AUTH`;
elsewhere these are verbs or settings: `PassThrough`, `AuthType`) -- unless its last word says
it only points at a secret or configures one (`SecretArn`, `TokenTtl`, `PasswordLength`).
A name ending in `key` is secret (`STRIPE_KEY`, `MASTER_KEY`) unless `key` stands alone (a
tag's `Key`) or the word before it says which non-secret key it is: S3 object keys, partition,
sort and cache keys, code artifacts, KMS key references, public keys (`S3_KEY`, `CODE_KEY`,
`PartitionKey`, `KmsKey`).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from infragen.facts.cfn import is_true

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

#: A word ending in one of these is secret material (`DbPassword`, `githubtoken`, `ClientSecret`).
SECRET_WORD_ENDINGS = (
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "passcode",
    "pwd",
    "pw",
    "secret",
    "secrets",
    "token",
    "tokens",
    "credential",
    "credentials",
    "creds",
    "apikey",
    "privatekey",
    "signingkey",
    "secretkey",
)
#: Two words that together name secret material (`API_KEY`, `TlsPrivateKey`, `HMAC_KEY`).
SECRET_PHRASES = frozenset(
    {("api", "key"), ("private", "key"), ("signing", "key"), ("hmac", "key"), ("auth", "key")}
)
#: Secret only as the last word: `DB_PASS`, `BASIC_AUTH`, but not `PassThrough`, `AuthType`.
SECRET_LAST_WORDS = frozenset({"pass", "auth"})
#: `<word> key` is secret material unless the word names a key that is not a credential.
NOT_SECRET_KEY_QUALIFIERS = frozenset(
    {
        "archive",
        "artifact",
        "attribute",
        "cache",
        "cmk",
        "code",
        "dedup",
        "deduplication",
        "foreign",
        "group",
        "hash",
        "idempotency",
        "kms",
        "lookup",
        "map",
        "message",
        "object",
        "partition",
        "primary",
        "public",
        "zip",
        "range",
        "routing",
        "s",
        "s3",
        "sort",
        "sse",
        "tag",
    }
)
#: A last word that makes the name a pointer to a secret or a setting about one.
POINTER_LAST_WORDS = frozenset(
    {
        "arn",
        "arns",
        "audience",
        "count",
        "days",
        "enabled",
        "endpoint",
        "encryption",
        "expiry",
        "file",
        "format",
        "header",
        "hours",
        "algorithm",
        "complexity",
        "id",
        "ids",
        "issuer",
        "length",
        "location",
        "minutes",
        "mode",
        "name",
        "names",
        "parameter",
        "path",
        "policy",
        "prefix",
        "required",
        "rotation",
        "seconds",
        "size",
        "source",
        "strategy",
        "template",
        "ttl",
        "type",
        "units",
        "uri",
        "url",
        "validity",
        "version",
    }
)
#: Password-like names: any literal value under them is a leak, however short (rule E9702).
PASSWORD_WORD_ENDINGS = ("password", "passwords", "passwd", "passphrase", "passcode", "pwd", "pw")
PASSWORD_PHRASES = frozenset({("auth", "token")})

SSM_PARAMETER_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"
FIX = "use a '{{resolve:secretsmanager:...}}' dynamic reference or a NoEcho parameter"


def words(name: str) -> list[str]:
    """`DB_PASSWD` -> [db, passwd]; `TLSPrivateKey2` -> [tls, private, key] (digits dropped)."""
    found = [w.lower() for w in _WORD.findall(name)]
    while found and found[-1].isdigit():
        found.pop()  # `DbPassword2` (a second parameter of that name) is still a password
    return found


def looks_secret(name: str) -> bool:
    """Does a value under this name hold secret material (not a pointer to it, not a setting)?"""
    found = words(name)
    if not found or found[-1] in POINTER_LAST_WORDS:
        return False
    return (
        found[-1] in SECRET_LAST_WORDS
        or any(word.endswith(SECRET_WORD_ENDINGS) for word in found)
        or any(pair in SECRET_PHRASES for pair in pairwise(found))
        or _is_qualified_secret_key(found)
    )


def _is_qualified_secret_key(found: list[str]) -> bool:
    """`STRIPE_KEY`, `MasterKey`: a key named after what it unlocks; not `Key`, `S3_KEY`."""
    qualifiers = [word for word in found[:-1] if not word.isdigit()]
    return (
        found[-1] == "key" and bool(qualifiers) and qualifiers[-1] not in NOT_SECRET_KEY_QUALIFIERS
    )


def looks_like_password(name: str) -> bool:
    """Secret names whose every literal value is a leak: passwords, passphrases, auth tokens."""
    if not looks_secret(name):
        return False
    found = words(name)
    return (
        found[-1] == "pass"
        or any(word.endswith(PASSWORD_WORD_ENDINGS) for word in found)
        or any(pair in PASSWORD_PHRASES for pair in pairwise(found))
    )


@dataclass(frozen=True)
class ParameterFinding:
    """What an infragen lint rule reports about one template Parameter."""

    rule: str
    path: tuple[str, ...]  # below `Parameters.<logical id>`
    message: str


def no_echo_finding(logical_id: str, parameter: Mapping[str, Any]) -> ParameterFinding | None:
    """E9701: a secret-looking Parameter that CloudFormation would show in clear."""
    if not looks_secret(logical_id) or is_true(parameter.get("NoEcho")):
        return None
    return ParameterFinding(
        "E9701",
        ("NoEcho",) if "NoEcho" in parameter else (),
        f"Parameter {logical_id} looks like a secret: set NoEcho: true",
    )


def default_finding(logical_id: str, parameter: Mapping[str, Any]) -> ParameterFinding | None:
    """E9702: a secret-looking Parameter whose Default is in the template (or points at a
    plain SSM String parameter, which CloudFormation reads unencrypted: it cannot read a
    SecureString as a parameter value)."""
    default = parameter.get("Default")
    if not looks_secret(logical_id) or not isinstance(default, str) or not default.strip():
        return None
    if str(parameter.get("Type", "")).startswith(SSM_PARAMETER_TYPE_PREFIX):
        message = (
            f"Parameter {logical_id} reads a secret from the SSM String parameter {default}, "
            "which is stored unencrypted; keep it in Secrets Manager or an SSM SecureString and "
            "use a '{{resolve:secretsmanager:...}}' / '{{resolve:ssm-secure:...}}' dynamic "
            "reference"
        )
    else:
        message = (
            f"Parameter {logical_id} has a default secret value: remove Default and pass it at "
            "deploy time, or " + FIX
        )
    return ParameterFinding("E9702", ("Default",), message)


def parameter_finding(logical_id: str, parameter: Mapping[str, Any]) -> ParameterFinding | None:
    """The first finding infragen's lint rules would report on this Parameter, or None.

    Render calls this for every Parameter it adds, so render and lint cannot disagree.
    """
    return no_echo_finding(logical_id, parameter) or default_finding(logical_id, parameter)


# --- literal secret values (rule E9702) --------------------------------------------------------

#: Well-known credential formats, found in any string of a template.
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "Slack webhook URL",
        re.compile(r"hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+"),
    ),
    ("Stripe key", re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
)
#: `scheme://user:password@host`: a connection string carrying its password.
URL_CREDENTIALS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:(?P<password>[^\s/@]+)@")
#: `NAME=value`, `export NAME=value`, `NAME: value` lines (user data, env files, config text).
ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:=|:[ \t])[ \t]*"
    r"(?P<value>[^\r\n]*?)[ \t]*$",
    re.MULTILINE,
)
BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
DYNAMIC_SECRET_PREFIXES = ("{{resolve:secretsmanager:", "{{resolve:ssm-secure:")
DYNAMIC_SECRET = re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure):(?:(?!\}\}).)+\}\}")
#: Literal shapes that point at a secret or configure one rather than being one.
NOT_SECRET_VALUE_PREFIXES = ("arn:", "http://", "https://", "alias/", "/", "$")
ENTROPY_THRESHOLD = 3.5
MIN_SECRET_LENGTH = 16


def is_dynamic_reference(value: str) -> bool:
    """Exactly one `{{resolve:secretsmanager:...}}` / `{{resolve:ssm-secure:...}}` and nothing
    else: `{{resolve:...}}hunter2` carries a literal after the reference."""
    return DYNAMIC_SECRET.fullmatch(value.strip()) is not None


def looks_like_reference(value: str) -> bool:
    """ARNs, URLs, KMS aliases, parameter paths: pointers, not secret material."""
    return value.strip().startswith(NOT_SECRET_VALUE_PREFIXES)


def shannon_entropy(text: str) -> float:
    """Bits per character; random keys score above ~3.5, words and settings below."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for char in text:
        counts[char] = counts.get(char, 0) + 1
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _is_placeholder(value: str) -> bool:
    """A value filled in later: `${Var}`, `$VAR`, `$(command)`, a dynamic reference, empty."""
    text = value.strip().strip("'\"")
    return not text or text.startswith(("$", "{{resolve:", "%", "<")) or text == "***"


def named_secret(name: str, value: str) -> str | None:
    """Why a literal `value` under `name` leaks a secret: any literal for password-like names,
    high-entropy non-pointers for the other secret names. None when it does not."""
    if not value.strip() or is_dynamic_reference(value) or not looks_secret(name):
        return None
    if value.strip().startswith("arn:"):
        return None  # an ARN names a secret (a function reads it at run time), never is one
    if looks_like_password(name):
        return f"literal value for {name}"
    if looks_like_reference(value):
        return None
    if len(value.strip()) >= MIN_SECRET_LENGTH and shannon_entropy(value) >= ENTROPY_THRESHOLD:
        return f"literal value for {name}"
    return None


def secret_in_text(text: str, *, decode: bool = True) -> str | None:
    """Why any string leaks a secret wherever it stands: a well-known token format, a password
    in a connection string, a `SECRET_NAME=value` line, or base64 of any of these."""
    for label, pattern in TOKEN_FORMATS:
        if pattern.search(text):
            return label
    for found in URL_CREDENTIALS.finditer(text):
        if not _is_placeholder(found["password"]):
            return "password in a connection string"
    for found in ASSIGNMENT.finditer(text):
        value = found["value"].strip().strip("'\"")
        if _is_placeholder(value):
            continue
        reason = named_secret(found["name"], value)
        if reason is not None:
            return f"{reason} in a `{found['name']}=` line"
    if decode and BASE64.match(text.strip()):
        try:
            decoded = base64.b64decode(text.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if decoded.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in decoded):
            inner = secret_in_text(decoded, decode=False)
            if inner is not None:
                return f"base64 of a {inner}"
    return None

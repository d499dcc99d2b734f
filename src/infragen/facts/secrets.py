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
        "expiry",
        "file",
        "format",
        "header",
        "hours",
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

"""Whose credentials each stack is deployed with, and the account guard.

A stack goes to a target: its region, the account config expects (`account_id`), the role
assumed to reach it (`role_arn`, `external_id`) and the profile the chain starts from. One
botocore session per target: stacks sharing a target share its credentials, and a role is
assumed once per target (again only when its credentials near expiry, as botocore's own
assume-role profiles do).

botocore is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from infragen.errors import InfragenError

if TYPE_CHECKING:
    import botocore.session

    from infragen.aws.gateway import Gateway


class Placed(Protocol):
    """What a target is read from (a manifest stack)."""

    @property
    def id(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def role_arn(self) -> str | None: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def profile(self) -> str | None: ...


@dataclass(frozen=True)
class CredentialsTarget:
    """Where calls go and as whom. Only `region`: the caller's own credentials, unchecked."""

    region: str
    account_id: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None

    @classmethod
    def of(cls, stack: Placed) -> CredentialsTarget:
        return cls(stack.region, stack.account_id, stack.role_arn, stack.external_id, stack.profile)

    def sort_key(self) -> tuple[str, ...]:
        return (self.account_id or "", self.region, self.role_arn or "", self.profile or "")

    @property
    def account_label(self) -> str:
        """`111111111111`, or what the caller's credentials reach when config names none."""
        return self.account_id or "caller's account"


class AccountMismatchError(InfragenError):
    """The credentials reach another account than the one config names: nothing written."""


class AssumeRoleError(InfragenError):
    """The role could not be assumed (trust policy, external id, permissions)."""

    exit_code = 1


def session_name(env: str, user: str | None = None) -> str:
    """`infragen-<env>-<user>`, as CloudTrail shows who deployed; AssumeRole allows 2-64
    characters of [\\w+=,.@-]."""
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name (a container's uid without passwd entry)
            user = "unknown"
    return re.sub(r"[^\w+=,.@-]", "-", f"infragen-{env}-{user}")[:64]


def make_session(
    target: CredentialsTarget,
    *,
    profile: str | None,
    region: str,
    endpoint_url: str | None,
    config: Any,
    name: str,
) -> botocore.session.Session:
    """A botocore session for `target`: the profile's credentials (`profile` given on the
    command line wins over the env's), or a role assumed with them."""
    import botocore.session

    base = botocore.session.Session(profile=profile or target.profile)
    if target.role_arn is None:
        return base
    from botocore.credentials import CredentialProvider, DeferredRefreshableCredentials

    sts = base.create_client("sts", region_name=region, endpoint_url=endpoint_url, config=config)

    def fetch() -> dict[str, str]:
        return assume_role(sts, target, name)

    class AssumedRole(CredentialProvider):  # type: ignore[misc]
        METHOD = "infragen-assume-role"

        def load(self) -> DeferredRefreshableCredentials:
            return DeferredRefreshableCredentials(refresh_using=fetch, method=self.METHOD)

    assumed = botocore.session.Session()
    assumed.get_component("credential_provider").insert_before("env", AssumedRole())
    return assumed


def assume_role(sts: Any, target: CredentialsTarget, name: str) -> dict[str, str]:
    """One AssumeRole, as the metadata botocore's refreshable credentials take."""
    from botocore.exceptions import BotoCoreError, ClientError

    kwargs = {"RoleArn": target.role_arn, "RoleSessionName": name}
    if target.external_id:
        kwargs["ExternalId"] = target.external_id
    try:
        found = sts.assume_role(**kwargs)["Credentials"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise AssumeRoleError(
            f"cannot assume {target.role_arn}: {error.get('Code')}: {error.get('Message')}",
            "the role's trust policy must allow the caller (and the external_id, if config "
            "sets one); check --profile / AWS_PROFILE and role_arn in config",
        ) from exc
    except BotoCoreError as exc:
        from infragen.aws.gateway import translate

        raise translate(exc, action=f"AssumeRole {target.role_arn}") from exc
    return {
        "access_key": found["AccessKeyId"],
        "secret_key": found["SecretAccessKey"],
        "token": found["SessionToken"],
        "expiry_time": found["Expiration"].isoformat(),
    }


def check_accounts(
    env: str,
    stacks: Iterable[Placed],
    gateway_for: Callable[[CredentialsTarget], Gateway],
) -> list[CredentialsTarget]:
    """The account guard: for each target whose stacks name an `account_id`, the caller's
    account (one GetCallerIdentity per target) must be that account. Raises before any
    write, naming the env, the stacks, the expected and the actual account; returns the
    targets checked. Stacks without `account_id` are not checked."""
    by_target: dict[CredentialsTarget, list[str]] = {}
    for stack in stacks:
        if stack.account_id:
            by_target.setdefault(CredentialsTarget.of(stack), []).append(stack.id)
    problems: list[str] = []
    for target in sorted(by_target, key=CredentialsTarget.sort_key):
        actual = gateway_for(target).caller_account()
        if actual != target.account_id:
            via = f"after assuming {target.role_arn}" if target.role_arn else "of the caller"
            problems.append(
                f"{', '.join(sorted(by_target[target]))} ({target.region}): expected account "
                f"{target.account_id}, but the credentials {via} are in account {actual}"
            )
    if problems:
        raise AccountMismatchError(
            f"env {env}: refusing to write to the wrong account: " + "; ".join(problems),
            "use credentials for the expected account (--profile / AWS_PROFILE, or role_arn "
            "in config), or fix account_id in config; nothing was written",
        )
    return list(by_target)

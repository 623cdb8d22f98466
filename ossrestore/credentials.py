"""The credentials every command that calls a service signs with: alibabacloud-credentials' default chain.

A profile named by `--profile NAME` (or `ALIBABA_CLOUD_PROFILE`) is used alone: the aliyun CLI's
`~/.aliyun/config.json` first, then the credentials file (`ALIBABA_CLOUD_CREDENTIALS_FILE`, else
`~/.alibabacloud/credentials.ini`); a name in neither is refused (exit 2). Without one, the default chain of
alibabacloud-credentials in its order: the environment (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` /
`_SECURITY_TOKEN`, then ossutil 2.0's `OSS_ACCESS_KEY_ID` / `OSS_ACCESS_KEY_SECRET` / `OSS_SESSION_TOKEN`, then
the alicloud Terraform provider's `ALICLOUD_ACCESS_KEY` / `ALICLOUD_SECRET_KEY` / `ALICLOUD_SECURITY_TOKEN`),
OIDC (RRSA: `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`), the
CLI config's current profile, the credentials file's `default` section, the ECS instance's RAM role (unless
`ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`) and `ALIBABA_CLOUD_CREDENTIALS_URI`.

The library's own chain reads the environment once, when it is imported; this one reads it (and HOME) when
asked, so the providers are built here with every setting passed explicitly. Every value a provider yields is
handed to the redaction before anything can print it; the handlers (which do not ship this library) keep
reading theirs from FC's context and environment.
"""

from __future__ import annotations

import configparser
import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ossrestore.errors import CredentialsError
from restore_core import redaction
from restore_core.client import Credentials

# (key id, secret, token) variable names, in the order they are read.
ENV_NAMES = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"),
    ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"),
)
PROFILE_ENV = "ALIBABA_CLOUD_PROFILE"
_MISSING = (
    "no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and "
    "ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials), or OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET, or "
    "name a profile of ~/.aliyun/config.json with --profile (`aliyun configure` writes one)"
)

profile_option = click.option(
    "--profile",
    envvar=PROFILE_ENV,
    default=None,
    metavar="NAME",
    help="Sign with this profile of ~/.aliyun/config.json (the aliyun CLI's) or of the credentials file "
    "(env ALIBABA_CLOUD_PROFILE). Default: the default credential chain (environment, OIDC, the CLI's current "
    "profile, the ECS RAM role).",
)


def resolve_credentials(*, profile: str | None = None, env: Mapping[str, str] = os.environ) -> Credentials:
    """The named profile's credentials, else the first the default chain yields; CredentialsError (exit 2)
    saying what was looked for."""
    found = _named_profile(profile, env) if profile else _default_chain(env)
    if not found.access_key_id or not found.access_key_secret:
        raise CredentialsError(_MISSING)
    redaction.remember(found.access_key_secret, found.security_token)
    return found


def _from_env(env: Mapping[str, str]) -> Credentials | None:
    for id_name, secret_name, token_name in ENV_NAMES:
        if env.get(id_name) and env.get(secret_name):
            return Credentials(env[id_name], env[secret_name], env.get(token_name) or None)
    return None


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~"))


def cli_config_path(env: Mapping[str, str]) -> Path:
    return _home(env) / ".aliyun" / "config.json"


def credentials_file_path(env: Mapping[str, str]) -> Path:
    return Path(env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") or _home(env) / ".alibabacloud" / "credentials.ini")


def _cli_profiles(path: Path) -> tuple[list[str], str]:
    """The profile names of an aliyun CLI config and its `current` one ([] when there is no such file)."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], ""
    except (OSError, ValueError) as e:
        raise CredentialsError(f"cannot read the aliyun CLI config {path}: {e}") from None
    if not isinstance(config, dict):
        raise CredentialsError(f"the aliyun CLI config {path} holds no JSON object")
    names = [str(p.get("name")) for p in config.get("profiles") or [] if isinstance(p, dict) and p.get("name")]
    return names, str(config.get("current") or "")


def _ini_sections(path: Path) -> list[str]:
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError) as e:
        raise CredentialsError(f"cannot read the credentials file {path}: {e}") from None
    return parser.sections()


def _named_profile(name: str, env: Mapping[str, str]) -> Credentials:
    from alibabacloud_credentials.provider import CLIProfileCredentialsProvider, ProfileCredentialsProvider

    config, ini = cli_config_path(env), credentials_file_path(env)
    in_config, _ = _cli_profiles(config)
    if name in in_config:
        provider: Any = CLIProfileCredentialsProvider(profile_name=name, profile_file=str(config))
    elif name in _ini_sections(ini):
        provider = ProfileCredentialsProvider(profile_name=name, profile_file=str(ini))
    else:
        known = ", ".join(in_config) or "none"
        raise CredentialsError(f"--profile: no profile named {name!r} in {config} (its profiles: {known}) or in {ini}")
    return _call(provider, f"--profile {name}")


def _default_chain(env: Mapping[str, str]) -> Credentials:
    """The first provider of the default chain that yields credentials; CredentialsError naming what was tried."""
    found = _from_env(env)
    if found is not None:
        return found
    tried: list[str] = []
    # alibabacloud-credentials logs each provider's failure, with its traceback, to stderr on a handler of its
    # own (logger "credentials"): what was tried goes into the one error below instead.
    quiet = logging.getLogger("credentials")
    was, quiet.disabled = quiet.disabled, True
    try:
        return _first_of(env, tried)
    finally:
        quiet.disabled = was


def _first_of(env: Mapping[str, str], tried: list[str]) -> Credentials:
    for label, make in _providers(env):
        try:
            provider = make()
        except (ValueError, OSError) as e:  # a provider the settings rule out
            tried.append(f"{label}: {e}")
            continue
        try:
            return _call(provider, label)
        except CredentialsError as e:
            tried.append(str(e))
    raise CredentialsError(_MISSING + ("; tried " + "; ".join(tried) if tried else ""))


def _providers(env: Mapping[str, str]) -> list[tuple[str, Callable[[], Any]]]:
    """The chain after the environment, as alibabacloud-credentials' DefaultCredentialsProvider orders it."""
    from alibabacloud_credentials import provider as p

    out: list[tuple[str, Callable[[], Any]]] = []
    oidc = (
        env.get("ALIBABA_CLOUD_ROLE_ARN"),
        env.get("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"),
        env.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE"),
    )
    if all(oidc):
        out.append(
            (
                "OIDC",
                lambda: p.OIDCRoleArnCredentialsProvider(
                    role_arn=oidc[0],
                    oidc_provider_arn=oidc[1],
                    oidc_token_file_path=oidc[2],
                    role_session_name=env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME") or None,
                    sts_region_id=env.get("ALIBABA_CLOUD_STS_REGION") or None,
                ),
            )
        )
    config = cli_config_path(env)
    names, current = (
        _cli_profiles(config) if env.get("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "").lower() != "true" else ([], "")
    )
    if current in names:
        out.append(
            (
                f"{config} profile {current!r}",
                lambda: p.CLIProfileCredentialsProvider(profile_name=current, profile_file=str(config)),
            )
        )
    ini = credentials_file_path(env)
    if "default" in _ini_sections(ini):
        out.append(
            (f"{ini} [default]", lambda: p.ProfileCredentialsProvider(profile_name="default", profile_file=str(ini)))
        )
    if env.get("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "").lower() != "true":
        out.append(
            (
                "ECS RAM role",
                lambda: p.EcsRamRoleCredentialsProvider(
                    role_name=env.get("ALIBABA_CLOUD_ECS_METADATA") or None, async_update_enabled=False
                ),
            )
        )
    if env.get("ALIBABA_CLOUD_CREDENTIALS_URI"):
        out.append(
            (
                "ALIBABA_CLOUD_CREDENTIALS_URI",
                lambda: p.URLCredentialsProvider(uri=env["ALIBABA_CLOUD_CREDENTIALS_URI"]),
            )
        )
    return out


def _call(provider: Any, label: str) -> Credentials:
    # The library raises CredentialException, ValueError or the HTTP client's errors: any of them means
    # this source has nothing to give, said in one line.
    try:
        got = provider.get_credentials()
    except Exception as e:  # every failure of a provider is reported alike (see above)
        raise CredentialsError(f"{label}: cannot get credentials: {redaction.redact(str(e))}") from None
    return Credentials(
        got.get_access_key_id() or "", got.get_access_key_secret() or "", got.get_security_token() or None
    )

"""Helpers for code that drives the emulator with oss2 (tests, the demo)."""

from __future__ import annotations

import oss2

from ossemu.emulator import Emulator


def oss_bucket(
    emulator: Emulator,
    name: str,
    *,
    session: oss2.Session | None = None,
    access_key_id: str | None = None,
    auth: str = "v1",
    region: str = "cn-hangzhou",
) -> oss2.Bucket:
    """An oss2.Bucket on the emulator, signed V1 (default) or V4 with the emulator's first credentials."""
    ak = access_key_id or next(iter(emulator.credentials))
    sk = emulator.credentials[ak]
    if auth == "v4":
        return oss2.Bucket(oss2.AuthV4(ak, sk), emulator.endpoint, name, session=session, region=region)
    return oss2.Bucket(oss2.Auth(ak, sk), emulator.endpoint, name, session=session)

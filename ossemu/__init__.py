"""A local OSS-protocol emulator for the real oss2 SDK: objects, listings, restores, signatures, faults.

from ossemu import Emulator, ManualClock, RestoreLatency, Faults
with Emulator(credentials={"ak": "sk"}, clock=ManualClock()) as emu:
    emu.create_bucket("b")
    emu.put_object("b", "k", b"data", storage_class="Archive")
    bucket = oss2.Bucket(oss2.Auth("ak", "sk"), emu.endpoint, "b")
"""

from __future__ import annotations

from ossemu.clock import ManualClock, RealClock
from ossemu.emulator import Emulator
from ossemu.errors import ConfigError, EmulatorError, NoSuchBucketError, NoSuchKeyError, OssError
from ossemu.faults import Faults
from ossemu.latency import RestoreLatency

__all__ = [
    "ConfigError",
    "Emulator",
    "EmulatorError",
    "Faults",
    "ManualClock",
    "NoSuchBucketError",
    "NoSuchKeyError",
    "OssError",
    "RealClock",
    "RestoreLatency",
]

"""`oss-restore emulator`: serve the local OSS emulator until interrupted."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from ossemu import ConfigError, Emulator
from ossemu import options as opts
from ossrestore.errors import UsageError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=int, default=9000, show_default=True, help="Port to listen on; 0 picks a free one.")
@click.option(
    "--access-key-id", envvar="ALIBABA_CLOUD_ACCESS_KEY_ID", default=opts.DEV_ACCESS_KEY_ID, show_default=True
)
@click.option(
    "--access-key-secret",
    envvar="ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    default=opts.DEV_ACCESS_KEY_SECRET,
    show_default="the fixed development secret",
    help="Never printed.",
)
@click.option(
    "--security-token",
    envvar="ALIBABA_CLOUD_SECURITY_TOKEN",
    default=None,
    help="Accept the key only with this STS security token (as STS credentials are). Never printed.",
)
@click.option("--bucket", "buckets", multiple=True, help="Create this bucket (repeatable).")
@click.option("--seed", "seed_spec", help="Objects to add to every --bucket, e.g. Archive=1000,ColdArchive=10.")
@click.option("--seed-prefix", default="seed/", show_default=True)
@click.option(
    "--restore-latency",
    "latency_specs",
    multiple=True,
    help="SECONDS for every restore, or CLASS[:TIER]=SECONDS (repeatable); default realistic.",
)
@click.option("--qps-limit", type=int, help="Answer 503 TotalQpsLimitExceeded past N requests per second.")
@click.option("--fault-rate", default="0", show_default=True, help="Fraction (0..1) of requests that fail.")
@click.option("--fault-kinds", default="500,503,drop", show_default=True, help="Failures to pick from.")
def cli(
    host: str,
    port: int,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    buckets: tuple[str, ...],
    seed_spec: str | None,
    seed_prefix: str,
    latency_specs: tuple[str, ...],
    qps_limit: int | None,
    fault_rate: str,
    fault_kinds: str,
) -> None:
    """Serve an OSS-protocol emulator for oss2 until Ctrl-C."""
    try:
        emu = _build(
            host,
            port,
            access_key_id,
            access_key_secret,
            security_token,
            latency_specs,
            qps_limit,
            fault_rate,
            fault_kinds,
        )
        counts = opts.parse_seed(seed_spec) if seed_spec else None
        if counts and not buckets:
            raise opts.OptionError("--seed", seed_spec, "at least one --bucket to seed into")
        for name in buckets:
            emu.create_bucket(name)
            if counts:
                emu.seed(name, counts=counts, prefix=seed_prefix)
    except ConfigError as e:
        raise UsageError(str(e)) from e
    _serve(emu, access_key_id, buckets)


def _build(
    host: str,
    port: int,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None,
    latency_specs: tuple[str, ...],
    qps_limit: int | None,
    fault_rate: str,
    fault_kinds: str,
) -> Emulator:
    latency = opts.parse_latency(latency_specs) if latency_specs else None
    faults = opts.build_faults(rate=fault_rate, kinds=fault_kinds, qps_limit=qps_limit)
    if security_token:  # STS credentials: the key is valid only together with its token
        return Emulator(
            credentials={},
            sts_tokens={access_key_id: (access_key_secret, security_token)},
            latency=latency,
            faults=faults,
            host=host,
            port=port,
        )
    return Emulator(
        credentials={access_key_id: access_key_secret}, latency=latency, faults=faults, host=host, port=port
    )


def _serve(emu: Emulator, access_key_id: str, buckets: tuple[str, ...]) -> None:
    try:
        emu.start()
    except OSError as e:
        raise UsageError(f"--host/--port: cannot listen on {emu.host}: {e.strerror or e}") from e
    click.echo(f"OSS emulator listening on {emu.endpoint}")
    click.echo(f"access key id: {access_key_id}")
    for name in buckets:
        click.echo(f"bucket {name}: {emu.object_count(name)} objects")
    click.echo("Press Ctrl-C to stop.")
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Handled explicitly: a shell may start us with SIGINT ignored, and Ctrl-C must still stop cleanly.
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        emu.stop()
    click.echo("stopped")

"""The handlers under each FC runtime a stack may declare, with the SDK versions that runtime ships.

One row per runtime: FC's runtime id, the interpreter version it runs, and a pinned requirements file
(beside this module) holding the packages the handlers import at the runtime's preinstalled versions.
A runtime added later is tested by adding a row and its file.

For each row a virtual environment is built once from its file under the cache directory
(`$XDG_CACHE_HOME/oss-restore/fc-runtimes/<runtime>`, by default under `~/.cache`, never in the checkout;
rebuilt when the file or the interpreter changes, as bootstrap does for `.venv`), and a worker process
in it serves handler invocations: JSON bytes in, the response body out, an exception back as its type
name and message, as FC reports it. The emulator stays in the test process; the worker reaches it over
loopback HTTP with the runtime's own oss2 and requests.

The interpreter is found without machine paths: `PYTHON310` (for 3.10) if set, else `python3.10` on PATH,
else pyenv (`PYENV_VERSION=3.10 pyenv which python3.10`). Where none runs, the tests that need the
runtime are skipped, saying what is missing.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
# The project's cache directory (XDG's): built environments and caches, kept out of the checkout.
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "oss-restore"
VENVS_DIR = CACHE_DIR / "fc-runtimes"


@dataclass(frozen=True)
class Runtime:
    name: str  # FC's runtime id, as a stack declares it
    python: str  # the interpreter version that runtime runs, "3.10"
    oss2: str  # the oss2 it preinstalls (also pinned in the requirements file; asserted by the tests)
    requests: str

    @property
    def requirements(self) -> Path:
        return HERE / f"{self.name}.txt"

    @property
    def env_override(self) -> str:
        return "PYTHON" + self.python.replace(".", "")


# FC documentation, "Python runtimes" (built-in modules per runtime),
# alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/runtime-overview-2.
RUNTIMES = {
    r.name: r
    for r in (
        Runtime("python3.10", python="3.10", oss2="2.16.0", requests="2.28.1"),
        Runtime("python3.12", python="3.12", oss2="2.18.6", requests="2.32.3"),
    )
}


class RuntimeUnavailable(Exception):
    """The runtime's interpreter is not on this machine (the message says what was looked for)."""


def find_interpreter(version: str) -> str:
    """The path of a working python<version>, or RuntimeUnavailable saying where it was looked for."""
    exe, override = f"python{version}", "PYTHON" + version.replace(".", "")
    if os.environ.get(override):  # explicit: used or refused, never silently replaced
        if _reports_version(os.environ[override], version):
            return os.environ[override]
        raise RuntimeUnavailable(f"${override}={os.environ[override]} is not a working Python {version}")
    on_path = shutil.which(exe)
    if on_path and _reports_version(on_path, version):
        return on_path
    tried = [f"${override} (unset)", f"{exe} on PATH"]
    pyenv = _pyenv()
    if pyenv:
        # A pyenv shim on PATH fails unless the version is active: ask pyenv for the real binary, by
        # prefix ("3.10"), else by the latest installed release of it (older pyenv resolves no prefix).
        for chosen in (lambda: version, lambda: _run_out([pyenv, "latest", "-q", version])):
            path = _run_out([pyenv, "which", exe], PYENV_VERSION=chosen())
            if path and _reports_version(path, version):
                return path
        tried.append(f"PYENV_VERSION={version} pyenv which {exe}")
    else:
        tried.append("pyenv (not installed)")
    raise RuntimeUnavailable(f"no Python {version} found (tried {', '.join(tried)}); set ${override} to one")


def _pyenv() -> str | None:
    """pyenv from PATH, else from $PYENV_ROOT or pyenv's default root (~/.pyenv), where a shell
    without pyenv's init (CI's, for one) still has it."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    candidates = [shutil.which("pyenv")] + [str(Path(root) / "bin" / "pyenv") for root in roots if root]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def _run_out(cmd: list[str], **env: str) -> str:
    """The command's stdout, stripped; "" when it fails."""
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


def _reports_version(path: str, version: str) -> bool:
    try:
        out = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def venv_python(runtime: Runtime) -> Path:
    """The runtime's virtual environment, built from its requirements file on first use."""
    interpreter = find_interpreter(runtime.python)
    venv = VENVS_DIR / runtime.name
    version = subprocess.run([interpreter, "-VV"], capture_output=True, text=True, check=True).stdout
    digest = hashlib.sha256(runtime.requirements.read_bytes() + version.encode()).hexdigest()[:16]
    stamp = venv / f".installed-{digest}"
    python = venv / "bin" / "python"
    VENVS_DIR.mkdir(parents=True, exist_ok=True)
    with open(VENVS_DIR / f".{runtime.name}.lock", "w") as lock:  # two test runs may start at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run([interpreter, "-m", "venv", str(venv)])
            # --no-deps: exactly the pinned set, nothing resolved behind its back; pip check proves it complete.
            _run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "-q",
                    "--no-deps",
                    "-r",
                    str(runtime.requirements),
                ]
            )
            _run([str(python), "-m", "pip", "check", "--disable-pip-version-check"])
            stamp.touch()
    return python


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


class RemoteError(Exception):
    """An exception raised by a handler in the runtime; `type_name` is FC's errorType."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message = type_name, message


class RuntimeWorker:
    """One instance of the runtime: a long-lived process serving invocations one at a time."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        python = venv_python(runtime)
        self._proc = subprocess.Popen(
            [str(python), "-I", str(HERE / "worker.py"), str(FUNCTIONS_DIR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self._lock = threading.Lock()

    def request(self, **message: Any) -> Any:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        with self._lock:
            self._proc.stdin.write(json.dumps(message) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.runtime.name} worker ended (exit code {self._proc.poll()})")
        answer = json.loads(line)
        if answer["kind"] == "error":
            raise RemoteError(answer["type"], answer["message"])
        return answer["result"]

    def invoke(self, module: str, event: bytes, context: Any) -> str:
        """Call `module.handler(event, context)` in the runtime, as FC does."""
        creds = getattr(context, "credentials", None)
        secret = [creds.access_key_id, creds.access_key_secret, creds.security_token or ""] if creds else None
        return str(self.request(op="invoke", module=module, event=event.decode("utf-8"), credentials=secret))

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


class InProcess:
    """The handlers in the test process itself: this interpreter and the project's pinned oss2.

    Handler exceptions propagate as they are; the worker's other requests run as they do there.
    """

    name = "pinned"

    def __init__(self) -> None:
        if str(FUNCTIONS_DIR) not in sys.path:
            sys.path.insert(0, str(FUNCTIONS_DIR))  # the code package root, as FC puts it on the path

    def invoke(self, module: str, event: bytes, context: Any) -> str:
        return str(importlib.import_module(module).handler(event, context))

    def request(self, **message: Any) -> Any:
        from fc_runtimes import worker

        return worker.OPS[message["op"]](message)

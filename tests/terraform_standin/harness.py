"""Real Terraform against the stand-in provider: a filesystem mirror, a CLI configuration, private data dirs.

    tf = TerraformHarness.create(tmp_path)       # None where no terraform binary is on PATH
    work = tf.workdir(stack_dir)                 # a throwaway copy of a synthesized stack
    tf.run(work, "init", "-backend=false")       # a CompletedProcess; raises on an unexpected exit code

Terraform finds the provider through the CLI configuration's `filesystem_mirror` in the unpacked layout
(`<mirror>/registry.terraform.io/aliyun/alicloud/<version>/<platform>/terraform-provider-alicloud_v<version>`),
so `init` installs it as it would from the registry and writes the lock file; nothing reaches the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.resources import PROVIDER_SOURCE

# The schema file's provider release; it satisfies the stacks' constraint `~> 1.289`.
PROVIDER_VERSION = "1.289.0"
_TESTS_DIR = Path(__file__).resolve().parent.parent
_LAUNCHER = """#!{python}
import sys
sys.path.insert(0, {tests_dir!r})
from terraform_standin.server import main
main()
"""
# A backend override in the working copy replaces the synthesized `oss` backend (Terraform's override-file
# rule) without touching `cdk.tf.json`: plan and apply then need no network.
LOCAL_BACKEND_OVERRIDE = {"terraform": {"backend": {"local": {"path": "terraform.tfstate"}}}}


class TerraformFailed(AssertionError):
    pass


@dataclass(frozen=True)
class TerraformHarness:
    binary: str
    root: Path
    env: dict[str, str]

    @classmethod
    def create(cls, root: Path) -> TerraformHarness | None:
        binary = shutil.which("terraform")
        if binary is None:
            return None
        platform = json.loads(
            subprocess.run([binary, "version", "-json"], capture_output=True, text=True, check=True).stdout
        )["platform"]
        host_ns_name = f"registry.terraform.io/{PROVIDER_SOURCE}"
        plugin = (
            root
            / "mirror"
            / host_ns_name
            / PROVIDER_VERSION
            / platform
            / f"terraform-provider-alicloud_v{PROVIDER_VERSION}"
        )
        plugin.parent.mkdir(parents=True)
        plugin.write_text(_LAUNCHER.format(python=sys.executable, tests_dir=str(_TESTS_DIR)))
        plugin.chmod(0o755)
        config = root / "terraform.rc"
        config.write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path = {json.dumps(str(root / 'mirror'))}\n"
            f"    include = [{json.dumps(host_ns_name)}]\n  }}\n}}\n"
            f"plugin_cache_dir = {json.dumps(str(root / 'plugin-cache'))}\n"
        )
        (root / "plugin-cache").mkdir()
        (root / "home").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "ALICLOUD_", "ALIBABA_CLOUD_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(config),
            CHECKPOINT_DISABLE="1",
            TF_IN_AUTOMATION="1",
            # the plugin library caches its TLS certificate under $HOME: keep it in the test's tmp
            HOME=str(root / "home"),
        )
        return cls(binary=binary, root=root, env=env)

    def workdir(self, stack_dir: Path) -> Path:
        """A throwaway copy of a synthesized stack (with its assets) and a private TF_DATA_DIR for it."""
        work = self.root / "work" / stack_dir.name
        shutil.copytree(stack_dir, work)
        return work

    def environment(self, name: str) -> dict[str, str]:
        """The environment Terraform runs in, with a TF_DATA_DIR of its own for working directory `name`."""
        return {**self.env, "TF_DATA_DIR": str(self.root / "data" / name)}

    def run(self, work: Path, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        env = self.environment(work.name)
        command, *rest = args
        flags = ["-no-color", *(["-input=false"] if command in _INPUT else [])]
        result = subprocess.run(
            [self.binary, command, *flags, *rest], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )
        if result.returncode not in ok:
            raise TerraformFailed(
                f"terraform {' '.join(args)} in {work.name} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result


_INPUT = {"init", "plan", "apply"}

"""CDKTF entry point (`cdktf synth` runs it): synthesizes every stack of `infra/environments.yaml`."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.app import synthesize  # after the environment above: cdktf starts its Node kernel on import


def main() -> None:
    # Relative to this file, so `python main.py` from anywhere writes the same cdktf.out/.
    # This clone's own folders, whichever copy of the project is installed.
    here = Path(__file__).resolve().parent
    stacks = synthesize(
        outdir=here / "cdktf.out",
        config_path=here / "infra" / "environments.yaml",
        functions_dir=here / "functions",
        flows_dir=here / "flows",
    )
    print(f"synthesized {len(stacks)} stacks: {', '.join(c.stack_id for c in stacks)}")


if __name__ == "__main__":
    main()

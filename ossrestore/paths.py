"""Where the project's shipped parts live, and how the command reaches the FC code package."""
from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
FLOWS_DIR = PROJECT_ROOT / "flows"


def use_function_code() -> None:
    """Put `functions/` on sys.path, as FC does with the code package root.

    The handlers import their shared package as a top-level name (`restore_core`), exactly as they do
    in Function Compute, so the local command loads them the same way.
    """
    path = str(FUNCTIONS_DIR)
    if path not in sys.path:
        sys.path.insert(0, path)

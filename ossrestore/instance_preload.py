"""Imported by the fork server only (multiprocessing's forkserver preload), never by the command.

The fork server copies its signal dispositions into every instance it forks, so ignoring SIGINT here
means an instance ignores Ctrl-C from its first instruction, before its initializer runs; otherwise a
Ctrl-C while an instance starts would print a KeyboardInterrupt traceback from it. The command alone
decides what an interruption does (see `ossrestore.fc_instances`).
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

"""Headless Chromium (Debian's `chromium` package) loading a local page and dumping its DOM after load.

`./bootstrap test` installs it where it can (root with apt-get); elsewhere the browser tests skip,
saying how to install it, except under CI (`CI` set), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

INSTALL_HINT = "install Debian's chromium (`apt-get install chromium`) or set OSS_RESTORE_CHROMIUM to its binary"
# No profile sync, extensions, component updates or QUIC probes: the page itself forbids every request
# (its Content Security Policy), and the browser should not make any of its own either.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
)


def chromium() -> str:
    """The Chromium binary, or skip (fail under CI) saying how to get it."""
    found = (
        os.environ.get("OSS_RESTORE_CHROMIUM")
        or shutil.which("chromium")
        or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    )
    if found is None:
        message = f"headless Chromium not found: {INSTALL_HINT}"
        if os.environ.get("CI"):  # CI installs it through ./bootstrap test: a miss there is a failure
            pytest.fail(message)
        pytest.skip(message)
    return found


# A second Content Security Policy is enforced beside the page's own (the stricter of the two wins), so this one,
# first in <head>, stops every script of the page from running.
NO_SCRIPTS = """<meta http-equiv="Content-Security-Policy" content="script-src 'none'">"""


def dump_dom(page: Path, profile: Path, *, timeout: float = 60.0, scripts: bool = True) -> str:
    """The page's DOM as serialised after its scripts ran (`--dump-dom`).

    scripts=False: as a reader with JavaScript off sees it. Chromium's own switch
    (`--blink-settings=scriptEnabled=false`) also stops the evaluation `--dump-dom` serialises with (it prints
    nothing), so a copy of the page is loaded with a policy that forbids every script of the page instead.
    """
    if not scripts:
        text = page.read_text(encoding="utf-8")
        head = text.index("<head>") + len("<head>")
        page = page.with_name(page.stem + ".no-scripts.html")
        page.write_text(text[:head] + NO_SCRIPTS + text[head:], encoding="utf-8")
    done = subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Node:
    """An element of a dumped DOM: tag, attributes, children and its own text."""

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.text = tag, attrs, ""
        self.children: list[Node] = []

    def iter(self, tag: str | None = None) -> list[Node]:
        found = [self] if tag in (None, self.tag) else []
        for child in self.children:
            found += child.iter(tag)
        return found

    def by_id(self, element_id: str) -> Node:
        matches = [n for n in self.iter() if n.attrs.get("id") == element_id]
        assert len(matches) == 1, f"{len(matches)} elements with id {element_id!r}"
        return matches[0]

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)

    def rows(self) -> list[list[str]]:
        """A table's cells, row by row (header row included)."""
        return [[cell.all_text() for cell in tr.children if cell.tag in ("td", "th")] for tr in self.iter("tr")]


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].text += data


def parse(dom: str) -> Node:
    builder = _Builder()
    builder.feed(dom)
    builder.close()
    return builder.root

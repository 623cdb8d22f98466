"""`{{name}}` placeholders in flow documents (resource ARNs, flow names).

The infrastructure code renders the same documents with the same function, so a flow deployed to
CloudFlow and a flow run locally are one text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fdl.errors import TemplateError

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


def render(text: str, variables: Mapping[str, str]) -> str:
    """Replace every `{{name}}`; an unknown name, or a `{{` that is no placeholder, raises `TemplateError`."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise TemplateError(name, text.count("\n", 0, match.start()) + 1, list(variables))
        return str(variables[name])

    rendered = _PLACEHOLDER.sub(substitute, text)
    stray = _PLACEHOLDER.sub("", text).find("{{")
    if stray >= 0:
        bad = _PLACEHOLDER.sub("", text)[stray:].split("\n", 1)[0][:40]
        raise TemplateError(bad, _line_of_stray(text), list(variables))
    return rendered


def placeholders(text: str) -> list[str]:
    """Names used in `text`, in order of first use."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(text)))


def _line_of_stray(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if "{{" in _PLACEHOLDER.sub("", line):
            return number
    return 1

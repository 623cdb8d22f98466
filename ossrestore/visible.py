"""User text (keys, codes, file names) shown as what it holds: characters that are invisible or that change
the order text is shown in are written as their code point, never passed on raw.

A key may hold bidirectional controls (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C), which make
a browser or a terminal show the characters after them in another order (`evil\u202egpj.exe` reads as
`evilexe.jpg`), and zero-width and other format characters (Unicode category Cf), controls (Cc), line
and paragraph separators (Zl, Zp) and private-use characters (Co), which show nothing or something else.
Each is written as `U+XXXX`: in HTML inside `<span class="cp">`, so that it cannot be mistaken for the
same letters typed in the key; in plain text between angle brackets (`<U+202E>`).
"""

from __future__ import annotations

import html
import unicodedata

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co"})


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def _pieces(text: str) -> list[tuple[bool, str]]:
    """text cut into runs: (False, shown as it is) and (True, one hidden character)."""
    if text.isprintable():  # no character of the hidden categories (nor of some that are shown, like U+00A0)
        return [(False, text)]
    pieces: list[tuple[bool, str]] = []
    run: list[str] = []
    for char in text:
        if _hidden(char):
            if run:
                pieces.append((False, "".join(run)))
                run = []
            pieces.append((True, char))
        else:
            run.append(char)
    if run:
        pieces.append((False, "".join(run)))
    return pieces


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def visible_text(text: str) -> str:
    """text with each hidden character written `<U+XXXX>`."""
    return "".join(f"<{_code_point(piece)}>" if hidden else piece for hidden, piece in _pieces(text))


def visible_html(text: str) -> str:
    """text HTML-escaped, each hidden character as `<span class="cp">U+XXXX</span>`."""
    return "".join(
        f'<span class="cp">{_code_point(piece)}</span>' if hidden else html.escape(piece, quote=True)
        for hidden, piece in _pieces(text)
    )

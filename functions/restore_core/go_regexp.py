"""The pieces of Go's regular expression syntax (RE2) that rclone's filter patterns pass through, as Python's `re`.

rclone turns a glob into a Go regular expression: a `[...]` class and a `\\c` escape are written into it as they
are, and a `{{regexp}}` section is a Go regular expression of its own
(https://rclone.org/filtering/#patterns, https://golang.org/pkg/regexp/syntax/). The handlers run on Function
Compute's Python with only the standard library, so these are translated to `re` where both mean the same and
refused (`PatternError`, saying what) where `re` would read them otherwise or RE2 would refuse them: Unicode
classes (`\\pL`), `\\Q...\\E`, flags anywhere but at the start of a section, lookarounds and back-references,
negated Perl classes inside brackets. RE2's Perl and POSIX classes are ASCII: they are spelt out here, never
left to `re`, whose `\\d`, `\\w` and `\\s` are Unicode-wide.
"""

from __future__ import annotations

import re

# RE2's ASCII classes (https://github.com/google/re2/wiki/Syntax), as members of a [...] class.
PERL = {"d": "0-9", "s": "\\t\\n\\f\\r ", "w": "0-9A-Za-z_"}
POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_LEADING_FLAGS = re.compile(r"\(\?([ims]+)\)")
# After `(?`: what RE2 accepts is a flag group or a named group; the rest (lookarounds, comments) it refuses.
_GROUP = re.compile(r"\(\?(?:P<|[imsU-]+[:)])")
_ESCAPES_KEPT = frozenset("AbBfnrtv")  # the same in RE2 and re


class PatternError(ValueError):
    pass


def class_of(members: str, *, negated: bool, no_slash: bool) -> str:
    """A Python class of these members; with no_slash it never matches `/` (a glob's class stands for one
    character of a path element)."""
    if negated:
        return f"[^{'/' if no_slash else ''}{members}]"
    return f"(?!/)[{members}]" if no_slash else f"[{members}]"


def escape(c: str, *, no_slash: bool) -> str:
    """`\\c` outside brackets: a Perl class (`\\d`, `\\D`, ...), or the character c itself."""
    if c.lower() in PERL:
        return class_of(PERL[c.lower()], negated=c.isupper(), no_slash=no_slash)
    if c.isalnum():
        raise PatternError(f"\\{c} is neither a reserved character nor a class (\\d, \\s, \\w and their capitals)")
    return re.escape(c)


def bracket(text: str, start: int, *, no_slash: bool) -> tuple[str, int]:
    """The class that opens at text[start] == '[', as Python regex, and the index after its ']'.

    `!` or `^` first negates it; members are characters, `lo-hi` ranges, `\\c` escapes, Perl classes (`\\d`,
    `\\s`, `\\w`) and POSIX ones (`[:alpha:]`).
    """
    i = start + 1
    negated = i < len(text) and text[i] in "!^"
    i += negated
    members: list[str] = []
    while i < len(text) and text[i] != "]":
        if text.startswith("[:", i):
            end = text.find(":]", i + 2)
            name = text[i + 2 : end] if end > 0 else text[i + 2 :]
            if name not in POSIX:
                raise PatternError(f"[:{name}:] is not a POSIX class; known: {', '.join(POSIX)}")
            members.append(POSIX[name])
            i = end + 2
        elif text.startswith("\\", i) and i + 1 < len(text) and text[i + 1] in PERL:
            members.append(PERL[text[i + 1]])
            i += 2
        else:
            low, i = _character(text, i)
            if i + 1 < len(text) and text[i] == "-" and text[i + 1] != "]":
                high, i = _character(text, i + 1)
                if high < low:
                    raise PatternError(f"the range {low}-{high} runs backwards")
                members.append(f"{re.escape(low)}-{re.escape(high)}")
            else:
                members.append(re.escape(low))
    if i >= len(text):
        raise PatternError("[ without ]")
    if not members:
        raise PatternError("an empty [] class matches nothing")
    return class_of("".join(members), negated=negated, no_slash=no_slash), i + 1


def _character(text: str, i: int) -> tuple[str, int]:
    """One character of a class at text[i]: itself, or the character a `\\c` escape names."""
    if text[i] != "\\":
        return text[i], i + 1
    if i + 1 >= len(text):
        raise PatternError("a trailing \\ escapes nothing")
    c = text[i + 1]
    if c.isalnum():
        raise PatternError(f"\\{c} inside [...] is not supported: write the characters it stands for")
    return c, i + 2


def section(regexp: str) -> str:
    """A `{{regexp}}` section (RE2) as a Python group matching the same strings. Leading flags (`(?i)`) apply
    to the section, as in Go, where a flag group reaches to the end of the group around it."""
    flags = ""
    leading = _LEADING_FLAGS.match(regexp)
    if leading:
        flags, regexp = leading.group(1), regexp[leading.end() :]
    out: list[str] = []
    i = 0
    while i < len(regexp):
        c = regexp[i]
        if c == "\\":
            if i + 1 >= len(regexp):
                raise PatternError("a trailing \\ escapes nothing")
            out.append(_section_escape(regexp[i + 1]))
            i += 2
        elif c == "[":
            part, i = bracket(regexp, i, no_slash=False)
            out.append(part)
        elif c == "(" and regexp.startswith("(?", i) and not _GROUP.match(regexp, i):
            raise PatternError(f"{regexp[i : i + 4]}... is not RE2 syntax (no lookarounds or comments)")
        elif c == "(" and re.match(r"\(\?[imsU-]*[)]", regexp[i:]):
            raise PatternError("flags may only open a {{regexp}} section: (?i)... ")
        elif c == "$" and "m" not in flags:
            out.append(r"\Z")  # RE2's $ is the end of the text; re's would also match before a final newline
            i += 1
        else:
            out.append(c)
            i += 1
    body = "".join(out)
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def _section_escape(c: str) -> str:
    if c.lower() in PERL:
        return escape(c, no_slash=False)
    if c == "z":
        return r"\Z"
    if c in _ESCAPES_KEPT or not c.isalnum():
        return "\\" + c
    raise PatternError(f"\\{c} in a {{{{regexp}}}} is not supported here (Unicode classes, \\Q...\\E, back-references)")

"""rclone's filter patterns (https://rclone.org/filtering/), matched as rclone matches them.

A path is matched relative to a root (for a run: its prefix, see `selection`). A pattern starting with `/` is
anchored at the root and spans the whole path; any other pattern "is matched starting at the end of the
path/file name but it only matches a complete path element - it must match from a `/` separator or the
beginning of the path": `file.jpg` matches `file.jpg` and `directory/file.jpg`, never `afile.jpg`. rclone
builds the regular expression `^pattern$` or `(^|/)pattern$` from the glob; so does this module, token by
token as rclone's `globToRegexp` does:

    *          any run of characters other than /        **       any run of characters, / included
    ***        refused (too many stars)                  ?        one character other than /
    [...]      one character of a class (`!` or `^` first negates it; `a-z` ranges; `\\d`, `\\s`, `\\w`;
               POSIX classes such as `[:alpha:]`)
    {a,b}      one of the comma-separated alternatives (which may nest)
    {{re}}     a regular expression (Go's RE2 syntax; `go_regexp.section`)
    \\c         c itself for a reserved character, or a class: `\\d` `\\D` `\\s` `\\S` `\\w` `\\W`

Stricter than rclone where rclone is loose (the choice is the one that selects less): a class never matches `/`
(it stands for one character of a path element), and a malformed pattern is refused rather than read some
other way: an unclosed `[`, `{` or `{{`, a `]` or `}` that closes nothing, an empty class, a trailing `\\`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from restore_core import go_regexp
from restore_core.go_regexp import PatternError

# A token: ("lit", c), ("star",), ("dstar",), ("any",), ("class", regex), ("alt", (seq, ...)), ("re", regex).
Token = tuple[Any, ...]
# Expanding alternatives to decide what a pattern can match is exponential in their nesting: past this many
# sequences the answer is "it may match" (never a refusal that might be wrong).
_MAX_SEQUENCES = 256


@dataclass(frozen=True)
class Glob:
    pattern: str
    anchored: bool  # a leading `/`: the whole path from the root
    tokens: tuple[Token, ...] = field(compare=False, repr=False)
    regex: re.Pattern[str] = field(compare=False, repr=False)

    def matches(self, path: str) -> bool:
        """rclone's verdict on a path relative to the root (no leading `/`)."""
        return self.regex.search(path) is not None

    def can_match_under(self, head: str) -> bool:
        """Whether some path starting with head can match (a root's paths all start with what follows its
        last `/` in the prefix). Unanchored patterns can always match further down; anchored ones must fit head."""
        if self.anchored and head:
            return _may_start_with(self.tokens, head)
        return True


def compile_glob(pattern: str) -> Glob:
    """The Glob of one pattern; PatternError saying what is malformed."""
    anchored = pattern.startswith("/")
    tokens, end = _sequence(pattern, 1 if anchored else 0, in_alternatives=False)
    if end != len(pattern):
        raise PatternError(f"{pattern[end]!r} closes nothing")
    body = "".join(_regex(t) for t in tokens)
    regex = re.compile(("^" if anchored else "(?:^|/)") + body + r"\Z", re.DOTALL)
    return Glob(pattern, anchored, tokens, regex)


def _sequence(text: str, i: int, *, in_alternatives: bool) -> tuple[tuple[Token, ...], int]:
    """Tokens from text[i] up to the end, or (within {...}) up to the `,` or `}` that ends an alternative."""
    out: list[Token] = []
    while i < len(text):
        c = text[i]
        if in_alternatives and c in ",}":
            break
        if c == "*":
            stars = len(text[i:]) - len(text[i:].lstrip("*"))
            if stars > 2:
                raise PatternError("too many stars: * within a path element, ** across /")
            out.append(("star",) if stars == 1 else ("dstar",))
            i += stars
        elif c == "?":
            out.append(("any",))
            i += 1
        elif c == "[":
            regex, i = go_regexp.bracket(text, i, no_slash=True)
            out.append(("class", regex))
        elif c == "{" and text.startswith("{{", i):
            regexp, i = _regexp_section(text, i)
            out.append(("re", go_regexp.section(regexp)))
        elif c == "{":
            alternatives, i = _alternatives(text, i)
            out.append(("alt", alternatives))
        elif c in "]}":
            raise PatternError(f"{c} closes nothing")
        elif c == "\\":
            if i + 1 >= len(text):
                raise PatternError("a trailing \\ escapes nothing")
            escaped = text[i + 1]
            out.append(
                ("lit", escaped) if not escaped.isalnum() else ("class", go_regexp.escape(escaped, no_slash=True))
            )
            i += 2
        else:
            out.append(("lit", c))
            i += 1
    return tuple(out), i


def _alternatives(text: str, start: int) -> tuple[tuple[tuple[Token, ...], ...], int]:
    found: list[tuple[Token, ...]] = []
    i = start
    while True:
        sequence, i = _sequence(text, i + 1, in_alternatives=True)
        found.append(sequence)
        if i >= len(text):
            raise PatternError("{ without }")
        if text[i] == "}":
            return tuple(found), i + 1


def _regexp_section(text: str, start: int) -> tuple[str, int]:
    """A `{{regexp}}` at text[start]: (the regexp, the index after it). As rclone reads it, the section ends
    at the longest run of `}` that closes it, so a regexp may end with `}` itself."""
    end = text.find("}}", start + 2)
    if end < 0:
        raise PatternError("{{ without }}")
    while end + 2 < len(text) and text[end + 2] == "}":
        end += 1
    return text[start + 2 : end], end + 2


def _regex(token: Token) -> str:
    kind = token[0]
    if kind == "lit":
        return re.escape(str(token[1]))
    if kind == "star":
        return "[^/]*"
    if kind == "dstar":
        return ".*"
    if kind == "any":
        return "[^/]"
    if kind == "alt":
        return "(?:" + "|".join("".join(_regex(t) for t in seq) for seq in token[1]) + ")"
    regex: str = token[1]  # class, re: already a regex
    return regex


def _flat(tokens: tuple[Token, ...]) -> list[list[Token]] | None:
    """Every sequence of tokens without alternatives; None past _MAX_SEQUENCES."""
    sequences: list[list[Token]] = [[]]
    for token in tokens:
        if token[0] != "alt":
            for s in sequences:
                s.append(token)
            continue
        options = [f for seq in token[1] for f in (_flat(seq) or [[("re", ".*")]])]
        sequences = [s + o for s in sequences for o in options]
        if len(sequences) > _MAX_SEQUENCES:
            return None
    return sequences


def _may_start_with(tokens: tuple[Token, ...], head: str) -> bool:
    """Whether some string the tokens match starts with head: each sequence run as an NFA over head; a state
    still alive at its end can always be completed (every token matches some string)."""
    sequences = _flat(tokens)
    if sequences is None:
        return True
    for seq in sequences:
        states = _closure(seq, {0})
        for c in head:
            if any(i < len(seq) and seq[i][0] == "re" for i in states):
                return True  # a regular expression's reach is not worked out: it may match
            states = _closure(seq, {n for i in states if i < len(seq) for n in _step(seq[i], i, c)})
            if not states:
                break
        if states:
            return True
    return False


def _step(token: Token, i: int, c: str) -> tuple[int, ...]:
    kind = token[0]
    if kind == "lit":
        return (i + 1,) if token[1] == c else ()
    if kind in ("star", "dstar"):
        return (i,) if kind == "dstar" or c != "/" else ()
    if kind == "any":
        return (i + 1,) if c != "/" else ()
    return (i + 1,) if re.fullmatch(token[1], c, re.DOTALL) else ()  # class


def _closure(seq: list[Token], states: set[int]) -> set[int]:
    """States plus those reached by skipping stars (which may match nothing)."""
    out, todo = set(states), list(states)
    while todo:
        i = todo.pop()
        if i < len(seq) and seq[i][0] in ("star", "dstar") and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    return out

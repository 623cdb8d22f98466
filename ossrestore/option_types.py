"""Click parameter types the commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class FilePath(click.Path):
    """click.Path for a file to read or write, refusing what no file name can hold.

    click.Path stats the name, and os.stat raises ValueError (not OSError, which click handles) for a
    NUL character: without this check that became a traceback instead of a usage error.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dir_okay=False, **kwargs)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            self.fail(f"{value!r} holds a NUL character, which no file name can hold.", param, ctx)
        return super().convert(value, param, ctx)


class ReportTarget(click.ParamType):
    """`--report`: a file for one JSON line per object, or `oss://BUCKET/PREFIX/` for the run's store (the
    flows write the report there, as they do in the cloud). Converts to a Path or an `oss://` string."""

    name = "FILE|oss://BUCKET/PREFIX/"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str) or not value.startswith("oss://"):
            return FilePath(path_type=Path).convert(value, param, ctx)
        from restore_core.errors import InvalidParameter
        from restore_core.run_store import parse_url

        try:
            parse_url(value, "--report")
        except InvalidParameter as e:
            self.fail(str(e), param, ctx)
        return value

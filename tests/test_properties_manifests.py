"""Generated and exhaustive manifests against the whole-manifest check (`manifest_source.validate`, what every
run does before its first request): a gzipped inventory file cut at every byte, CSV text of any shape.
The only outcomes allowed: the entry count of a manifest that is whole and well formed, or
`InvalidManifest` naming the file (or the line) that is not; never another exception."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

import oss2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restore_core import manifest_source
from restore_core.manifest import Cursor, InvalidManifest

BUCKET = "prop-manifests"
SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass"
# Local files only: nothing here sends a request, so the bucket's endpoint is never reached.
RUN_BUCKET = oss2.Bucket(oss2.Auth("unused", "unused"), "http://127.0.0.1:9", BUCKET)


def check(path: Path) -> int:
    return manifest_source.validate(manifest_source.Manifest(RUN_BUCKET, str(path)))


def inventory(folder: Path, body: bytes, *, whole: bytes | None = None) -> Path:
    """An inventory of one gzipped file holding `body`; with `whole`, manifest.json gives its size and MD5."""
    (folder / "0.csv.gz").write_bytes(body)  # a local inventory's files sit beside its manifest.json
    entry: dict[str, object] = {"key": "inv/data/0.csv.gz"}
    if whole is not None:
        entry.update(size=len(whole), MD5checksum=hashlib.md5(whole).hexdigest().upper())
    doc = {"destinationBucket": "dest", "fileFormat": "CSV", "fileSchema": SCHEMA, "files": [entry]}
    (folder / "manifest.json").write_text(json.dumps(doc))
    return folder / "manifest.json"


def rows(count: int) -> bytes:
    return "".join(f'"{BUCKET}","k%2F{i:03d}","","true","false","1","Archive"\n' for i in range(count)).encode()


@pytest.mark.parametrize("given_size_and_md5", [False, True])
def test_a_gzip_file_cut_at_any_byte_is_refused_naming_the_file(tmp_path, given_size_and_md5):
    # GIVEN a small inventory (30 rows) whose one gzipped file is cut at every position in turn
    whole = gzip.compress(rows(30))
    assert check(inventory(tmp_path, whole, whole=whole if given_size_and_md5 else None)) == 30
    for cut in range(len(whole)):
        path = inventory(tmp_path, whole[:cut], whole=whole if given_size_and_md5 else None)
        # WHEN it is checked THEN the file is refused by name, whatever its manifest.json says of it
        with pytest.raises(InvalidManifest, match=r"0\.csv\.gz"):
            check(path)


def test_two_gzip_members_cut_between_them_are_refused_when_manifest_json_gives_the_size(tmp_path):
    # GIVEN a file of two gzip members (gzip allows it), cut exactly where the first ends: that is a
    # whole gzip stream, which only the size and MD5 in manifest.json can tell from the file
    first, second = gzip.compress(rows(10)), gzip.compress(rows(20)[len(rows(10)) :])
    whole = first + second
    assert check(inventory(tmp_path, whole, whole=whole)) == 20
    assert check(inventory(tmp_path, first)) == 10
    # WHEN the same cut file comes with the whole file's size and MD5 THEN it is refused
    with pytest.raises(InvalidManifest, match=r"bytes, but manifest\.json gives"):
        check(inventory(tmp_path, first, whole=whole))


_TEXT = st.lists(st.sampled_from([*'ab,"\r\n %2Fé', BUCKET + ","]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, bom=st.booleans())
def test_csv_text_of_any_shape_is_counted_or_refused_naming_its_line(text, bom):
    # GIVEN any text over CSV's own characters (quotes, commas, line breaks) and the run's bucket
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_bytes(data)
        # WHEN it is checked
        try:
            count = check(path)
        except InvalidManifest as e:
            # THEN either it is refused naming a line of the file ...
            found = re.search(r" line (\d+)$", e.where)
            assert found and 1 <= int(found.group(1)) <= text.count("\n") + 1, str(e)
            return
    # ... or every line named an object of the run's bucket
    assert count == len([line for line in re.split(r"\r?\n", text.removesuffix("\n")) if line]) if text else count == 0


_KEYS = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30).filter(lambda k: k[0] not in "/\\")


@settings(max_examples=100, deadline=None)
@given(
    keys=st.lists(_KEYS, min_size=1, max_size=20),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    at=st.integers(0, 20),
    defect=st.sampled_from(["open quote", "line break in quotes", "none"]),
)
def test_a_csv_writer_s_manifest_reads_back_and_one_defect_is_named_by_its_line(keys, quoting, at, defect):
    # GIVEN a manifest as a CSV library writes one (URL-encoded keys, quoted minimally or always) ...
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator="\n").writerows([BUCKET, quote(k, safe="")] for k in keys)
    lines = out.getvalue().splitlines()
    # ... with one defective line at a drawn place, or none
    where = at % (len(lines) + 1)
    if defect == "open quote":
        lines.insert(where, f'{BUCKET},"never-closed')
    elif defect == "line break in quotes":
        lines.insert(where, f'{BUCKET},"two\nlines"')
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        source = manifest_source.Manifest(RUN_BUCKET, str(path))
        # WHEN it is checked
        if defect == "none":
            # THEN every key reads back as written, each once
            assert manifest_source.validate(source) == len(keys)
            entries, _ = source.page(Cursor(), 100)
            assert [e.key for e in entries] == list(dict.fromkeys(keys))
        else:
            # THEN the defective line is named
            with pytest.raises(InvalidManifest, match=rf"line {where + 1}: a quoted field is not closed"):
                manifest_source.validate(source)

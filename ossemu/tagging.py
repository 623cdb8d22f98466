"""Object tags: the `x-oss-tagging` header of PutObject, InitiateMultipartUpload and CopyObject, and
GetObjectTagging, PutObjectTagging and DeleteObjectTagging (`?tagging` on an object).

The rules are PutObjectTagging's ("Usage notes", https://www.alibabacloud.com/help/en/oss/developer-reference/
putobjecttagging) and its error pages: at most 10 tags with unique keys; a key up to 128 characters, a value
up to 256 (0010-00000209, https://www.alibabacloud.com/help/en/oss/user-guide/0010-00000209); keys and values
made of letters, digits, spaces and `+ - = . _ : /` (0010-00000217, https://help.aliyun.com/en/oss/user-guide/
0010-00000217); in the header, `key` or `key=value` pairs joined by `&`, keys and values URL-encoded
(0010-00000219, https://www.alibabacloud.com/help/en/oss/user-guide/0010-00000219). Changing tags does not
change Last-Modified. Where the pages are silent this module takes the stricter reading: "letters" are
ASCII letters; a key may not be empty (the header form `key` gives an empty value, so values may be);
the header is percent-decoded only (`+` is an allowed character, not a space); every violation is 400
InvalidTag (the pages name no code), with the page's EC.

Tags live in the object's `Content` (shared by seeded objects, so they cost seeded objects nothing); setting
one object's tags gives it its own `Content`.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote
from xml.sax.saxutils import escape

from ossemu.errors import OssError
from ossemu.protocol import Call, Context, Response
from ossemu.store import Pairs

MAX_TAGS = 10
MAX_KEY_CHARS = 128
MAX_VALUE_CHARS = 256
_ALLOWED = re.compile(r"[A-Za-z0-9 +\-=._:/]*")
HEADER = "x-oss-tagging"
COUNT_HEADER = "x-oss-tagging-count"


def _invalid(message: str, ec: str) -> OssError:
    return OssError(400, "InvalidTag", message, ec=ec)


def check(tags: Pairs) -> Pairs:
    if len(tags) > MAX_TAGS:
        raise _invalid(f"An object can have at most {MAX_TAGS} tags; {len(tags)} were given.", "0010-00000217")
    keys = [k for k, _ in tags]
    if len(set(keys)) != len(keys):
        raise _invalid("Tag keys must be unique.", "0010-00000217")
    for key, value in tags:
        if not key:
            raise _invalid("A tag key may not be empty.", "0010-00000217")
        if len(key) > MAX_KEY_CHARS:
            raise _invalid(f"A tag key may have at most {MAX_KEY_CHARS} characters.", "0010-00000209")
        if len(value) > MAX_VALUE_CHARS:
            raise _invalid(f"A tag value may have at most {MAX_VALUE_CHARS} characters.", "0010-00000217")
        if not (_ALLOWED.fullmatch(key) and _ALLOWED.fullmatch(value)):
            raise _invalid(
                "Tag keys and values may contain only letters, digits, spaces and + - = . _ : /", "0010-00000217"
            )
    return tags


def from_header(value: str) -> Pairs:
    """The tags of an `x-oss-tagging` header (URL-query form), checked."""
    if not value:
        return ()
    pairs = []
    for item in value.split("&"):
        if item.count("=") > 1:
            raise _invalid("x-oss-tagging must be key=value pairs joined by &.", "0010-00000219")
        key, _, val = item.partition("=")
        try:
            pairs.append((unquote(key, errors="strict"), unquote(val, errors="strict")))
        except UnicodeDecodeError:
            raise _invalid("Tag keys and values must be UTF-8.", "0010-00000216") from None
    return check(tuple(pairs))


def from_xml(body: bytes) -> Pairs:
    """The tags of a PutObjectTagging body, `<Tagging><TagSet><Tag><Key/><Value/></Tag>...`, checked."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _malformed() from None
    tag_set = root.find("TagSet")
    if root.tag != "Tagging" or tag_set is None:
        raise _malformed()
    pairs = []
    for node in tag_set:
        key, value = node.find("Key"), node.find("Value")
        if node.tag != "Tag" or key is None or value is None:
            raise _malformed()
        pairs.append((key.text or "", value.text or ""))
    return check(tuple(pairs))


def _malformed() -> OssError:
    return OssError(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema.",
    )


def to_xml(tags: Pairs) -> bytes:
    items = "".join(f"<Tag><Key>{escape(k)}</Key><Value>{escape(v)}</Value></Tag>" for k, v in tags)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Tagging><TagSet>{items}</TagSet></Tagging>'.encode()


def count_headers(tags: Pairs) -> dict[str, str]:
    """HeadObject / GetObject: how many tags the object has, when it has any."""
    return {COUNT_HEADER: str(len(tags))} if tags else {}


def get_object_tagging(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        tags = ctx.record(call).content.tags
        headers = {"Content-Type": "application/xml", **ctx.version_headers(call)}
    return Response(200, headers, to_xml(tags))


def put_object_tagging(ctx: Context, call: Call) -> Response:
    tags = from_xml(call.req.body)
    return _set(ctx, call, tags, 200)


def delete_object_tagging(ctx: Context, call: Call) -> Response:
    return _set(ctx, call, (), 204)


def _set(ctx: Context, call: Call, tags: Pairs, status: int) -> Response:
    with ctx.store.lock:
        rec = ctx.record(call)
        rec.content = dataclasses.replace(rec.content, tags=tags)
        headers = ctx.version_headers(call)
    return Response(status, headers)

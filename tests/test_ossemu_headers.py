"""The headers oss2 sends and reads on objects: Content-Type, user metadata, conditions, non-ASCII signing."""

from __future__ import annotations

import oss2
import pytest
import requests

from conftest import oss_bucket

B = "test-bucket"


@pytest.fixture(params=["v1", "v4"])
def signed(request, emulator):
    """`bucket` signed V1 or V4: every header behaviour must hold under both signatures."""
    emulator.create_bucket(B)
    return oss_bucket(emulator, B, auth=request.param)


def _names(result) -> list[str]:
    return list(result.headers.keys())


# -- Content-Type -------------------------------------------------------------------------------------


def test_content_type_guessed_by_oss2_is_stored_and_returned(bucket):
    # GIVEN a key with an extension: oss2 guesses the type and sends it
    bucket.put_object("dir/report.json", b"{}")
    # THEN HEAD and GET return it
    assert bucket.head_object("dir/report.json").content_type == "application/json"
    assert bucket.get_object("dir/report.json").content_type == "application/json"


def test_explicit_content_type_is_returned_verbatim(bucket):
    bucket.put_object("k.txt", b"x", headers={"Content-Type": "text/plain; charset=gbk"})
    assert bucket.head_object("k.txt").content_type == "text/plain; charset=gbk"


def test_without_content_type_oss_default_is_octet_stream(bucket):
    # GIVEN a key without extension: oss2 guesses nothing and sends no Content-Type
    assert oss2.utils.content_type_by_name("data-0001") is None
    bucket.put_object("data-0001", b"x")
    # THEN the object's type is OSS's default, not one guessed from the key by the server
    assert bucket.head_object("data-0001").content_type == "application/octet-stream"
    bucket.put_object("x.json", b"{}", headers={"Content-Type": ""})
    assert bucket.head_object("x.json").content_type == "application/octet-stream"


def test_standard_http_headers_are_stored_and_returned(bucket):
    sent = {
        "Cache-Control": "no-cache",
        "Content-Disposition": 'attachment; filename="r.csv"',
        "Content-Language": "zh-CN",
        "Expires": "Fri, 13 Nov 2015 14:47:53 GMT",
    }
    bucket.put_object("r.csv", b"a,b", headers=sent)
    for result in (bucket.head_object("r.csv"), bucket.get_object("r.csv")):
        assert {k: result.headers[k] for k in sent} == sent
    bucket.put_object("r.csv", b"a,b")
    assert "Cache-Control" not in bucket.head_object("r.csv").headers


@pytest.mark.parametrize("auth", ["v1", "v4"])
def test_get_response_parameters_override_headers_of_a_successful_read(emulator, auth):
    emulator.create_bucket(B)
    b = oss_bucket(emulator, B, auth=auth)
    b.put_object("r.csv", b"a,b", headers={"Content-Disposition": "inline"})
    params = {"response-content-type": "text/plain", "response-content-disposition": 'attachment; filename="x.csv"'}
    got = b.get_object("r.csv", params=params)
    assert (got.content_type, got.headers["Content-Disposition"]) == ("text/plain", 'attachment; filename="x.csv"')
    # AND the stored headers are unchanged
    assert b.head_object("r.csv").content_type == "text/csv"


# -- user metadata ------------------------------------------------------------------------------------


def test_user_metadata_is_stored_lower_cased_and_returned_on_head_and_get(signed):
    # GIVEN metadata with upper-case names
    signed.put_object("k", b"x", headers={"x-oss-meta-Author": "O. Henry", "X-OSS-META-YEAR": "1906"})
    # THEN both come back on HEAD and GET, under lower-case names, values unchanged
    for result in (signed.head_object("k"), signed.get_object("k")):
        assert "x-oss-meta-author" in _names(result) and "x-oss-meta-year" in _names(result)
        assert (result.headers["x-oss-meta-author"], result.headers["x-oss-meta-year"]) == ("O. Henry", "1906")
    # AND GetObjectMeta carries none of it
    assert "x-oss-meta-author" not in signed.get_object_meta("k").headers


def test_overwriting_an_object_replaces_its_metadata(bucket):
    bucket.put_object("k", b"x", headers={"x-oss-meta-a": "1"})
    bucket.put_object("k", b"y", headers={"x-oss-meta-b": "2"})
    headers = bucket.head_object("k").headers
    assert "x-oss-meta-a" not in headers and headers["x-oss-meta-b"] == "2"


def test_user_metadata_just_under_8_kb_is_accepted_and_8_kb_is_refused(bucket):
    # GIVEN names and values that add up to 8,191 bytes, then to 8,192
    name = "x-oss-meta-a"
    bucket.put_object("k", b"x", headers={name: "v" * (8191 - len(name))})
    assert len(bucket.head_object("k").headers[name]) == 8191 - len(name)
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.put_object("k2", b"x", headers={name: "v" * (8192 - len(name))})
    # THEN the second is 400 InvalidArgument with OSS's EC, and nothing was stored
    assert (e.value.status, e.value.ec) == (400, "0011-00000002")
    assert not bucket.object_exists("k2")


def test_many_small_metadata_headers_count_towards_the_limit(bucket):
    headers = {f"x-oss-meta-k{i:03d}": "v" * 60 for i in range(110)}  # 110 * (15 + 60) = 8,250 bytes
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.put_object("k", b"x", headers=headers)
    assert e.value.ec == "0011-00000002"


@pytest.mark.parametrize("name", ["x-oss-meta-my_key", "x-oss-meta-a.b", "x-oss-meta-"])
def test_metadata_names_other_than_letters_digits_hyphens_are_refused(bucket, name):
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.put_object("k", b"x", headers={name: "v"})
    assert (e.value.ec, e.value.details["ArgumentName"]) == ("0011-00000004", name)


def test_metadata_value_with_a_control_character_is_refused(bucket):
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.put_object("k", b"x", headers={"x-oss-meta-a": "x\x01y"})
    assert e.value.ec == "0011-00000005"


# -- non-ASCII metadata and signatures ----------------------------------------------------------------


def test_utf8_metadata_value_signs_and_round_trips_byte_for_byte(signed):
    # GIVEN a UTF-8 value passed as bytes (oss2 signs the bytes and sends them unchanged)
    signed.put_object("k", b"x", headers={"x-oss-meta-city": "杭州 café".encode()})
    # THEN the signature verifies and HEAD returns the same bytes (decoded latin-1 by http.client)
    raw = signed.head_object("k").headers["x-oss-meta-city"].encode("latin-1")
    assert raw.decode("utf-8") == "杭州 café"


def test_non_ascii_str_value_is_signed_one_way_and_sent_another_so_it_fails(signed):
    # GIVEN a str value: oss2 signs its UTF-8 bytes (c3 a9) but http.client sends it latin-1 (e9)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as e:
        signed.put_object("k", b"x", headers={"x-oss-meta-city": "café"})
    # THEN OSS's answer: the signature computed over the bytes received does not match
    assert e.value.status == 403
    assert not signed.object_exists("k")


@pytest.mark.parametrize(
    "auth", [oss2.Auth("test-ak", "test-secret"), oss2.AuthV4("test-ak", "test-secret")], ids=["v1", "v4"]
)
def test_tampered_non_ascii_metadata_value_fails_the_signature(emulator, auth):
    emulator.create_bucket(B)
    url = f"{emulator.endpoint}/{B}/k"
    headers = {"x-oss-meta-city": "杭州".encode(), "Content-Type": "text/plain"}
    req = oss2.http.Request("PUT", url, data=b"x", headers=headers, region="cn-hangzhou", product="oss")
    auth._sign_request(req, B, "k")
    sent = {k: v for k, v in req.headers.items() if v is not None}
    # GIVEN the correctly signed request THEN it is accepted
    assert requests.put(url, data=b"x", headers=sent).status_code == 200
    # WHEN one byte of the UTF-8 value changes in transit ("杭州" -> "杭工") THEN 403 SignatureDoesNotMatch
    sent["x-oss-meta-city"] = "杭工".encode()
    resp = requests.put(url, data=b"x", headers=sent)
    assert resp.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in resp.content


# -- conditional GET and HEAD -------------------------------------------------------------------------


@pytest.fixture
def stored(emulator, bucket):
    """An object "k" and its ETag (bare, as oss2 reports it) and Last-Modified (epoch seconds)."""
    bucket.put_object("k", b"hello")
    head = bucket.head_object("k")
    return head.etag, head.last_modified


def _get(bucket, **conditions):
    headers = {name.replace("_", "-"): value for name, value in conditions.items()}
    return bucket.get_object("k", headers=headers)


def test_etag_and_last_modified_have_oss_formats(bucket, stored):
    etag, mtime = stored
    headers = bucket.head_object("k").headers
    assert headers["ETag"] == f'"{etag}"' and len(etag) == 32 and etag == etag.upper()
    assert headers["Last-Modified"] == oss2.utils.http_date(mtime)


@pytest.mark.parametrize("quoted", [False, True], ids=["bare", "quoted"])
def test_if_match_with_the_etag_reads_and_another_is_412(bucket, stored, quoted):
    etag, _ = stored
    value = f'"{etag}"' if quoted else etag
    assert _get(bucket, If_Match=value).read() == b"hello"
    with pytest.raises(oss2.exceptions.PreconditionFailed) as e:
        _get(bucket, If_Match='"0' + etag[1:] + '"')
    assert (e.value.status, e.value.code, e.value.details["Condition"]) == (412, "PreconditionFailed", "If-Match")


@pytest.mark.parametrize("value", ["*", 'W/"{etag}"', '"x", "{etag}"', "{lower}"])
def test_if_match_takes_one_exact_etag(bucket, stored, value):
    etag, _ = stored
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        _get(bucket, If_Match=value.format(etag=etag, lower=etag.lower()))


@pytest.mark.parametrize("quoted", [False, True], ids=["bare", "quoted"])
def test_if_none_match_with_the_etag_is_304_without_body(bucket, stored, quoted):
    etag, mtime = stored
    with pytest.raises(oss2.exceptions.NotModified) as e:
        _get(bucket, If_None_Match=f'"{etag}"' if quoted else etag)
    assert e.value.status == 304 and e.value.body == b""
    assert e.value.headers["ETag"] == f'"{etag}"'
    assert e.value.headers["Last-Modified"] == oss2.utils.http_date(mtime)
    assert _get(bucket, If_None_Match='"other"').read() == b"hello"


def test_if_modified_since(bucket, stored):
    _, mtime = stored
    date = oss2.utils.http_date
    # the time itself or later: 304; earlier: the object; not a valid date: ignored
    for since in (mtime, mtime + 60):
        with pytest.raises(oss2.exceptions.NotModified):
            _get(bucket, If_Modified_Since=date(since))
    assert _get(bucket, If_Modified_Since=date(mtime - 1)).read() == b"hello"
    assert _get(bucket, If_Modified_Since="yesterday").read() == b"hello"


def test_if_unmodified_since(bucket, stored):
    _, mtime = stored
    date = oss2.utils.http_date
    # the time itself or later: the object; earlier: 412; not a valid date: 412 (stricter reading)
    assert _get(bucket, If_Unmodified_Since=date(mtime)).read() == b"hello"
    for since in (date(mtime - 1), "yesterday", date(mtime).replace(" GMT", " +0000")):
        with pytest.raises(oss2.exceptions.PreconditionFailed) as e:
            _get(bucket, If_Unmodified_Since=since)
        assert e.value.details["Condition"] == "If-Unmodified-Since"


def test_every_condition_is_checked_and_412_wins_over_304(bucket, stored):
    etag, mtime = stored
    date = oss2.utils.http_date
    # a matching If-Match does not excuse a failing If-Unmodified-Since
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        _get(bucket, If_Match=etag, If_Unmodified_Since=date(mtime - 1))
    # a non-matching If-None-Match does not excuse an If-Modified-Since that fails
    with pytest.raises(oss2.exceptions.NotModified):
        _get(bucket, If_None_Match='"other"', If_Modified_Since=date(mtime))
    # both kinds failing: 412
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        _get(bucket, If_Match='"other"', If_None_Match=etag)
    # all four holding: the object
    assert (
        _get(
            bucket,
            If_Match=etag,
            If_Unmodified_Since=date(mtime),
            If_None_Match='"o"',
            If_Modified_Since=date(mtime - 1),
        ).read()
        == b"hello"
    )


def test_head_answers_conditions_with_status_only(bucket, stored):
    etag, _ = stored
    # 412 has no body on HEAD: oss2 still gets the code, from x-oss-err
    with pytest.raises(oss2.exceptions.PreconditionFailed) as e:
        bucket.head_object("k", headers={"If-Match": '"other"'})
    assert e.value.code == "PreconditionFailed" and "x-oss-err" in e.value.headers
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.head_object("k", headers={"If-None-Match": etag})
    assert bucket.head_object("k", headers={"If-Match": etag}).status == 200


def test_conditions_apply_to_ranged_reads(bucket, stored):
    etag, _ = stored
    assert bucket.get_object("k", byte_range=(1, 2), headers={"If-Match": etag}).read() == b"el"
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.get_object("k", byte_range=(1, 2), headers={"If-None-Match": etag})


def test_frozen_object_is_refused_before_any_condition(emulator, bucket):
    emulator.put_object(B, "frozen", b"x", storage_class="Archive")
    etag = bucket.head_object("frozen").etag
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("frozen", headers={"If-None-Match": etag})
    assert (e.value.status, e.value.code) == (403, "InvalidObjectState")


def test_put_with_a_condition_is_400_not_implemented(bucket):
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_object("k", b"x", headers={"If-None-Match": "*"})
    assert (e.value.status, e.value.code, e.value.details["Header"]) == (400, "NotImplemented", "If-None-Match")
    assert not bucket.object_exists("k")


def test_oss2_resumable_download_uses_if_match_and_if_unmodified_since(emulator, bucket, tmp_path):
    # GIVEN an object large enough for oss2 to download it in ranged parts, each conditional on the
    # ETag and Last-Modified it read first (oss2/resumable.py)
    part = oss2.defaults.min_part_size
    data = bytes(range(256)) * (3 * part // 256)
    bucket.put_object("big.bin", data)
    target = tmp_path / "big.bin"
    oss2.resumable_download(
        bucket,
        "big.bin",
        str(target),
        multiget_threshold=part,
        part_size=part,
        num_threads=2,
        store=oss2.ResumableDownloadStore(root=str(tmp_path)),
    )
    # THEN the three parts pass their conditions and the file is whole
    assert target.read_bytes() == data
    assert emulator.stats.get("GetObject:206") == 3


def test_object_changed_under_a_conditional_reader_is_412(bucket, stored):
    etag, _mtime = stored
    bucket.put_object("k", b"changed")
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.get_object("k", headers={"If-Match": etag})


def test_rewritten_object_counts_as_modified_since_its_earlier_last_modified(emulator, bucket, clock):
    # GIVEN an object read once, then written again ten seconds later
    bucket.put_object("k", b"1")
    first = bucket.head_object("k").last_modified
    clock.advance(10)
    bucket.put_object("k", b"2")
    # THEN a reader revalidating with the first Last-Modified gets the new content
    assert bucket.get_object("k", headers={"If-Modified-Since": oss2.utils.http_date(first)}).read() == b"2"


def test_each_object_keeps_its_own_headers(bucket):
    bucket.put_object("a.html", b"<p>", headers={"x-oss-meta-a": "1"})
    bucket.put_object("b.png", b"\x89PNG")
    assert (bucket.head_object("a.html").content_type, bucket.head_object("b.png").content_type) == (
        "text/html",
        "image/png",
    )
    assert "x-oss-meta-a" not in bucket.head_object("b.png").headers


def test_seeded_objects_have_the_default_headers(emulator, bucket):
    emulator.seed(B, counts={"Standard": 2}, prefix="s/")
    for key in emulator.keys(B):
        head = bucket.head_object(key)
        assert head.content_type == "application/octet-stream"
        assert not [name for name in head.headers if name.lower().startswith("x-oss-meta-")]

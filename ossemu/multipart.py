"""The rules OSS checks on multipart uploads: on parts, and on the list CompleteMultipartUpload names. An
upload's state between InitiateMultipartUpload and Complete / Abort (`Upload`, `Part`) lives in the bucket
(`ossemu.store`).

Limits, from OSS's pages:
- part numbers 1 to 10,000, refused with 400 InvalidArgument "Part number must be an integer between 1 and
  10000, inclusive." (0017-00000220, https://help.aliyun.com/en/oss/user-guide/0017-00000220);
- every part but the last at least 100 KB, checked only at CompleteMultipartUpload: 400 EntityTooSmall
  (0042-00000213, https://help.aliyun.com/en/oss/user-guide/0042-00000213, "greater than or equal to
  100 KB"; the SDK's own test against OSS completes a first part of exactly 100 * 1024 bytes,
  aliyun-oss-python-sdk tests/test_multipart.py `test_upload_part_copy`), so 102,400 bytes is the floor;
- a part at most 5 GB ("The size of a single part ranges from 100 KB to 5 GB", same 0017-00000220 page);
  refused when the part is uploaded or copied, with 400 EntityTooLarge (the pages name no code; PutObject's
  for a body over its 5 GB limit);
- the listed parts in ascending part-number order (400 InvalidPartOrder, 0042-00000209,
  https://help.aliyun.com/en/oss/user-guide/0042-00000209; a repeated number is not ascending), each one
  uploaded and with the ETag the upload returned (400 InvalidPart, "How do I fix the InvalidPart error",
  https://alibabacloud.com/help/en/oss/oss-reports-an-invalidpart-error-when-using-the-multipart-upload-method-
  to-upload-files);
- an upload ID that names no upload in progress for that key: 404 NoSuchUpload, also after Complete or Abort
  (AbortMultipartUpload, https://help.aliyun.com/en/oss/developer-reference/abortmultipartupload).

The completed object's ETag is "generated based on specific rules, not the MD5 value of the object content"
(the InvalidPart page above): the emulator uses the rule S3 documents, the MD5 of the parts' binary MD5s in
upper-case hex, then `-` and the number of parts, which is the shape OSS's multipart ETags have.
"""

from __future__ import annotations

import hashlib
import itertools

from ossemu.body import Composite
from ossemu.errors import OssError
from ossemu.store import BucketStore, Content, Upload

MIN_PART_NUMBER = 1
MAX_PART_NUMBER = 10_000
MIN_PART_BYTES = 100 * 1024  # every part but the last
MAX_PART_BYTES = 5 * 1024**3
MAX_LIST = 1000  # ListParts max-parts, ListMultipartUploads max-uploads


def no_upload(upload_id: str) -> OssError:
    return OssError(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted "
        "or completed.",
        extra={"UploadId": upload_id},
    )


def find(bucket: BucketStore, key: str, upload_id: str) -> Upload:
    upload = bucket.uploads.get(upload_id)
    if upload is None or upload.key != key:
        raise no_upload(upload_id)
    return upload


def part_number(value: str | None) -> int:
    try:
        n = int(value or "")
    except ValueError:
        n = 0
    if not MIN_PART_NUMBER <= n <= MAX_PART_NUMBER or not (value or "").isdigit():
        raise OssError(
            400,
            "InvalidArgument",
            f"Part number must be an integer between {MIN_PART_NUMBER} and {MAX_PART_NUMBER}, inclusive.",
            ec="0017-00000220",
            extra={"ArgumentName": "PartNumber", "ArgumentValue": value or ""},
        )
    return n


def check_part_size(size: int) -> None:
    if size > MAX_PART_BYTES:
        raise OssError(
            400,
            "EntityTooLarge",
            f"A part may be at most {MAX_PART_BYTES} bytes (5 GB); this one has {size}.",
            extra={"MaxSizeAllowed": str(MAX_PART_BYTES), "ProposedSize": str(size)},
        )


def etag_of(digest: bytes) -> str:
    return digest.hex().upper()


def multipart_etag(part_etags: list[str]) -> str:
    return f"{etag_of(hashlib.md5(b''.join(bytes.fromhex(e) for e in part_etags)).digest())}-{len(part_etags)}"


def complete(upload: Upload, listed: list[tuple[int, str]]) -> Content:
    """The object the listed (part number, ETag) pairs make, after OSS's checks."""
    numbers = [n for n, _ in listed]
    if any(b <= a for a, b in itertools.pairwise(numbers)):
        raise OssError(
            400,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts list must be specified in order by part number.",
            ec="0042-00000209",
        )
    parts = []
    for n, etag in listed:
        part = upload.parts.get(n)
        if part is None or part.etag != etag.strip().strip('"'):
            raise OssError(
                400,
                "InvalidPart",
                "One or more of the specified parts could not be found or the specified entity tag might not have "
                "matched the part's entity tag.",
                extra={"PartNumber": str(n), "UploadId": upload.upload_id},
            )
        parts.append(part)
    for n, part in zip(numbers[:-1], parts[:-1], strict=True):
        if len(part.body) < MIN_PART_BYTES:
            raise OssError(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size.",
                ec="0042-00000213",
                extra={
                    "PartNumber": str(n),
                    "MinSizeAllowed": str(MIN_PART_BYTES),
                    "ProposedSize": str(len(part.body)),
                },
            )
    return Content(
        Composite([p.body for p in parts]),
        multipart_etag([p.etag for p in parts]),
        upload.content_type,
        upload.stored_headers,
        upload.tags,
    )

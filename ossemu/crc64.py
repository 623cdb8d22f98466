"""CRC-64/XZ (x-oss-hash-crc64ecma) of byte strings, and of concatenations without rereading their bytes.

`crc64` hashes bytes with the SDK's own implementation (`oss2.utils.Crc64`), the one oss2 checks answers
against. `combine` is zlib's crc32_combine carried to 64 bits, as oss2's `crc64_combine` is, but with
the operator "append 2**k zero bytes" cached per k: each combine then costs a few 64x64 GF(2) products
instead of rebuilding the operator from scratch, which is what makes the CRC of a multi-GB object made
of parts or of generated blocks cheap.
"""

from __future__ import annotations

from oss2.utils import Crc64

# ECMA-182, bit-reflected: the polynomial CRC-64/XZ shifts with.
_POLY_REFLECTED = 0xC96C5795D7870F42
_Matrix = tuple[int, ...]  # 64 columns: the image of each bit


def crc64(data: bytes, crc: int = 0) -> int:
    """The CRC of `data`, continuing from `crc` (the CRC of what came before it)."""
    c = Crc64(crc)
    c.update(data)
    return int(c.crc)


def _times(mat: _Matrix, vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _square(mat: _Matrix) -> _Matrix:
    return tuple(_times(mat, mat[n]) for n in range(64))


def _one_zero_byte() -> _Matrix:
    one_bit = (_POLY_REFLECTED, *(1 << n for n in range(63)))
    two_bits = _square(one_bit)
    four_bits = _square(two_bits)
    return _square(four_bits)


# _ZEROS[k]: the CRC register after 2**k more zero bytes; filled on first use (2**63 bytes at most).
_ZEROS: list[_Matrix] = [_one_zero_byte()]


def _zeros(k: int) -> _Matrix:
    while len(_ZEROS) <= k:
        _ZEROS.append(_square(_ZEROS[-1]))
    return _ZEROS[k]


def combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC of A + B from crc(A), crc(B) and len(B)."""
    k = 0
    while len2:
        if len2 & 1:
            crc1 = _times(_zeros(k), crc1)
        len2 >>= 1
        k += 1
    return crc1 ^ crc2


def repeated(unit_crc: int, unit_len: int, count: int) -> int:
    """CRC of `count` copies of a unit, from the unit's CRC and length, in O(log count) combines."""
    out, power, power_len = 0, unit_crc, unit_len
    while count:
        if count & 1:
            out = combine(out, power, power_len)  # copies of one unit commute: the order does not matter
        count >>= 1
        if count:
            power = combine(power, power, power_len)
            power_len *= 2
    return out

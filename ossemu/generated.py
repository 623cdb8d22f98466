"""Bodies of a declared size whose bytes are computed from (seed, offset) when read, never held: objects
of several GB for tests that copy or range-read them.

The body is cut into 1 MiB blocks. Block i is the 8-byte word W(seed, i) repeated, each repetition XORed
with its word index inside the block, so every byte depends on its position (a part copied to a wrong
offset reads differently, even by one word) and any range is produced by generating only the blocks it
touches. CRC-64 is affine in the data, so the CRC of a whole block is a 64x64 GF(2) matrix applied to W
plus a constant; both are computed once per process, and the CRC of a GB range costs about a thousand
matrix products and combines instead of a pass over the bytes.
"""

from __future__ import annotations

import hashlib

from ossemu import crc64
from ossemu.body import Body

BLOCK = 1 << 20
_WORDS = BLOCK // 8


def word(seed: int, block: int) -> int:
    """W(seed, block): the 64-bit value block `block` repeats."""
    return int.from_bytes(hashlib.blake2b(f"{seed}:{block}".encode(), digest_size=8).digest(), "little")


class _Tables:
    """What every generated body shares, built on first use: the index pattern and the block-CRC map."""

    def __init__(self) -> None:
        index = b"".join(j.to_bytes(8, "little") for j in range(_WORDS))
        self.index = int.from_bytes(index, "little")
        # crc(block(W)) = crc(W repeated) ^ crc(index) ^ crc(zeros), and crc(W repeated) ^ crc(zeros) is linear
        # in W: its image of each bit W = 2**b is one column of the matrix.
        zeros = crc64.repeated(crc64.crc64(bytes(8)), 8, _WORDS)
        self.constant = crc64.crc64(index)
        self.columns = tuple(
            crc64.repeated(crc64.crc64((1 << b).to_bytes(8, "little")), 8, _WORDS) ^ zeros for b in range(64)
        )

    def block_crc(self, w: int) -> int:
        out, b = self.constant, 0
        while w:
            if w & 1:
                out ^= self.columns[b]
            w >>= 1
            b += 1
        return out


_tables: _Tables | None = None


def _shared() -> _Tables:
    global _tables
    if _tables is None:
        _tables = _Tables()
    return _tables


def block_bytes(seed: int, block: int) -> bytes:
    repeated = int.from_bytes(word(seed, block).to_bytes(8, "little") * _WORDS, "little")
    return (repeated ^ _shared().index).to_bytes(BLOCK, "little")


class Generated(Body):
    __slots__ = ("seed", "size")

    def __init__(self, size: int, seed: int = 0) -> None:
        super().__init__()
        self.size, self.seed = size, seed

    def __len__(self) -> int:
        return self.size

    def read(self, start: int, end: int) -> bytes:
        out = []
        for block in range(start // BLOCK, (end + BLOCK - 1) // BLOCK):
            base = block * BLOCK
            data = block_bytes(self.seed, block)
            out.append(data[max(start - base, 0) : min(end - base, len(data))])
        return b"".join(out)[: max(end - start, 0)]

    def _crc(self, start: int, end: int) -> int:
        tables, out, at = _shared(), 0, start
        while at < end:
            block, offset = divmod(at, BLOCK)
            stop = min(end, (block + 1) * BLOCK)
            if offset == 0 and stop - at == BLOCK:
                part = tables.block_crc(word(self.seed, block))
            else:  # a partial block: at most two per range, hashed directly
                part = crc64.crc64(block_bytes(self.seed, block)[offset : offset + stop - at])
            out = crc64.combine(out, part, stop - at)
            at = stop
        return out

    def digest(self, start: int, end: int) -> bytes:
        return hashlib.md5(f"ossemu generated seed={self.seed} bytes={start}-{end}".encode()).digest()

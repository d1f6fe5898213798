"""Seeds: one printed integer that says how to replay a schedule exactly.

``seed = payload << 3 | tag``. The tag names the strategy; the payload packs its integers
(LEB128 bytes behind a marker byte, read as one big-endian integer).
"""

from __future__ import annotations

TAG_RANDOM = 1
"""payload: [rng seed]"""
TAG_PCT = 2
"""payload: [depth, k, rng seed]"""
TAG_GUIDED = 3
"""payload: deviations from the default policy as [index delta, thread id, ...]"""
TAG_ASYNC = 4
"""payload: [loop seed] (the asyncio check)"""
TAG_FOCUS = 5
"""payload: [depth, k, rng seed] (PCT with drops at focus points only)"""
_TAG_BITS = 3


def pack(values: list[int]) -> int:
    out = bytearray(b"\x01")
    for value in values:
        if value < 0:
            raise ValueError("seed values are non-negative")
        while True:
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return int.from_bytes(out, "big")


def unpack(number: int) -> list[int]:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    if not raw or raw[0] != 1:
        raise ValueError(f"not a packed seed: {number}")
    values, value, shift = [], 0, 0
    for byte in raw[1:]:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(value)
            value, shift = 0, 0
    return values


def encode(tag: int, values: list[int]) -> int:
    return pack(values) << _TAG_BITS | tag


def decode(seed: int) -> tuple[int, list[int]]:
    """``(tag, values)``; raises ValueError for a seed that is not one of ours."""
    if seed <= 0:
        raise ValueError(f"not a schedule seed: {seed}")
    return seed & ((1 << _TAG_BITS) - 1), unpack(seed >> _TAG_BITS)


def encode_deviations(deviations: dict[int, int]) -> int:
    values: list[int] = []
    previous = 0
    for index in sorted(deviations):
        values += [index - previous, deviations[index]]
        previous = index
    return encode(TAG_GUIDED, values)


def decode_deviations(values: list[int]) -> dict[int, int]:
    deviations: dict[int, int] = {}
    index = 0
    for i in range(0, len(values) - 1, 2):
        index += values[i]
        deviations[index] = values[i + 1]
    return deviations

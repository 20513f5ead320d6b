"""SNMP packets for tests and benchmarks: a minimal BER encoder for v1/v2c requests, a
decoder just good enough to read a response's bindings, and a seeded corpus of malformed
datagrams (truncations, flipped bytes, huge and indefinite lengths, deep nesting, garbage).

Standard library only, so the benchmark can use it without the test venv.
"""

from __future__ import annotations

import random

GET, GETNEXT, RESPONSE, SET, GETBULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def integer(value: int) -> bytes:
    size = 1
    while not -(1 << (8 * size - 1)) <= value < (1 << (8 * size - 1)):
        size += 1
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def oid(text: str) -> bytes:
    arcs = [int(a) for a in text.strip(".").split(".")]
    arcs = arcs + [0] * (2 - len(arcs)) if len(arcs) < 2 else arcs
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        groups = [arc & 0x7F]
        arc >>= 7
        while arc:
            groups.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(groups))
    return tlv(0x06, bytes(out))


def request(oids: list[str], *, pdu: int = GET, community: str = "vns3public", version: int = 1,
            request_id: int = 1, non_repeaters: int = 0, max_repetitions: int = 0) -> bytes:
    """A v1 (version 0) or v2c (version 1) request whose bindings all carry NULL."""
    bindings = b"".join(tlv(0x30, oid(o) + b"\x05\x00") for o in oids)
    second, third = (non_repeaters, max_repetitions) if pdu == GETBULK else (0, 0)
    body = integer(request_id) + integer(second) + integer(third) + tlv(0x30, bindings)
    return tlv(0x30, integer(version) + tlv(0x04, community.encode()) + tlv(pdu, body))


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the element at `pos`."""
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    else:
        length = first
    if pos + length > len(data):
        raise ValueError("truncated")
    return tag, pos, pos + length


def _oid_text(content: bytes) -> str:
    arcs, value = [], 0
    for byte in content:
        value = value << 7 | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first, *arcs[1:]])


def parse_response(data: bytes) -> tuple[int, int, int, list[tuple[str, int, bytes]]]:
    """(request-id, error-status, error-index, [(oid, value tag, value content)])."""
    _, start, _ = _read(data, 0)
    _, s, e = _read(data, start)                     # version
    _, s, e = _read(data, e)                         # community
    tag, s, end = _read(data, e)                     # PDU
    if tag != RESPONSE:
        raise ValueError(f"not a response: {tag:#x}")
    fields = []
    pos = s
    for _ in range(3):
        _, vs, ve = _read(data, pos)
        fields.append(int.from_bytes(data[vs:ve], "big", signed=True))
        pos = ve
    _, pos, list_end = _read(data, pos)
    bindings = []
    while pos < list_end:
        _, bs, be = _read(data, pos)
        _, os_, oe = _read(data, bs)
        vtag, vs, ve = _read(data, oe)
        bindings.append((_oid_text(data[os_:oe]), vtag, data[vs:ve]))
        pos = be
    return fields[0], fields[1], fields[2], bindings


def corpus(count: int = 200, seed: int = 161, community: str = "vns3public") -> list[bytes]:
    """`count` malformed datagrams, reproducible from `seed`."""
    rng = random.Random(seed)
    seeds = [
        request(["1.3.6.1.2.1.1.1.0"], community=community),
        request(["1.3.6.1.2.1.2.2.1.10"], pdu=GETNEXT, community=community, version=0),
        request(["1.3.6.1.2.1.1.3", "1.3.6.1.2.1.2.2"], pdu=GETBULK, community=community, non_repeaters=1, max_repetitions=30),
    ]
    fixed = [
        b"",
        b"\x30",
        b"\x30\x84\xff\xff\xff\xff" + seeds[0][2:],          # 4 GiB claimed
        b"\x30\x80" + seeds[0][2:] + b"\x00\x00",            # indefinite length
        b"\x30\x85\x00\x00\x00\x00\x29" + seeds[0][2:],      # 5-octet length field
        seeds[0] + b"\x00",                                   # trailing byte
        seeds[0][:-1],                                        # cut short
        b"\x30\x82\x10\x00" * 1000,                           # deep, lying nesting
    ]
    nested = b"\x05\x00"
    for _ in range(300):
        nested = tlv(0x30, nested)
    fixed.append(nested)
    packets = list(fixed)
    while len(packets) < count:
        p = bytearray(rng.choice(seeds))
        kind = rng.randrange(6)
        if kind == 0:
            p = p[:rng.randrange(len(p))]
        elif kind == 1:
            for _ in range(rng.randint(1, 4)):
                p[rng.randrange(len(p))] ^= rng.randint(1, 255)
        elif kind == 2:
            i = rng.randrange(len(p))
            p[i:i + 1] = b"\x84\xff\xff\xff\xff"
        elif kind == 3:
            p[rng.randrange(1, len(p))] = rng.choice([0x80, 0x84, 0x85, 0xFF])
        elif kind == 4:
            p = bytearray(rng.randbytes(rng.randint(1, 200)))
        else:
            i = rng.randrange(len(p))
            p[i:i] = rng.randbytes(rng.randint(1, 16))
        packets.append(bytes(p))
    return packets[:count]

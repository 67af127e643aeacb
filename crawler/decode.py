"""Content-Encoding decoded by the crawler itself, with the size cap enforced while decoding.

httpx inflates each network chunk through every layer of a `Content-Encoding` before its
caller sees a byte, so a body cap applied to what it yields comes too late: a 6.8 KB
`gzip, gzip` response inflates to gigabytes inside one chunk. Here the raw bytes are read
(`aiter_raw`) and inflated with zlib's `max_length`, so no call ever produces more than the
bytes the cap still allows. At most one content-coding layer is accepted (we only send
`Accept-Encoding: gzip, deflate`, and no honest server stacks them).
"""
from __future__ import annotations

import zlib

IDENTITY = frozenset({"", "identity"})
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class DecodeRefused(Exception):
    """The body cannot be accepted: too large once decoded, stacked or unknown coding, corrupt."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CappedDecoder:
    """Inflates one content-coding layer; `feed` raises DecodeRefused('too_large') as soon as the
    decoded size would pass `limit`, having produced at most `limit + 1` bytes in all."""

    def __init__(self, coding: str, limit: int):
        self.coding = coding
        self.remaining = limit
        self._zlib = zlib.decompressobj(_WBITS[coding])
        self._first = True

    def feed(self, data: bytes) -> bytes:
        try:
            out = self._zlib.decompress(data, self.remaining + 1)
        except zlib.error:
            if not (self._first and self.coding == "deflate"):
                raise DecodeRefused(f"bad_encoding:{self.coding}") from None
            # Some servers send raw deflate without the zlib wrapper (httpx and browsers accept both).
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            self._first = False
            return self.feed(data)
        self._first = False
        self.remaining -= len(out)
        if self.remaining < 0 or self._zlib.unconsumed_tail:
            raise DecodeRefused("too_large")
        return out

    def flush(self) -> bytes:
        out = self._zlib.flush()  # every input byte was consumed by feed: little or nothing is left
        self.remaining -= len(out)
        if self.remaining < 0:
            raise DecodeRefused("too_large")
        return out


def decoder_for(content_encoding: str | None, limit: int) -> CappedDecoder | None:
    """The decoder of a response's Content-Encoding (None: the body is sent as is)."""
    if not content_encoding:
        return None
    layers = [c.strip().lower() for c in content_encoding.split(",")]
    layers = [c for c in layers if c not in IDENTITY]
    if not layers:
        return None
    if len(layers) > 1:
        raise DecodeRefused(f"stacked_encoding:{'+'.join(layers)}")
    if layers[0] not in _WBITS:
        raise DecodeRefused(f"unsupported_encoding:{layers[0]}")
    return CappedDecoder(layers[0], limit)

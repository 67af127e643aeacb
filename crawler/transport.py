"""A network backend for httpcore's connection pool that checks idle connections cheaply.

Every time a request enters or leaves httpx's pool, httpcore asks each idle keep-alive
connection whether the server has closed it (`has_expired`: is the socket readable?). With
the default anyio backend each such question builds anyio's table of socket attributes and
makes a getpeername() call before the poll() that answers it. At 8 connections that was ~17%
of a bare httpx loop's CPU here, and at 32 connections (the cost grows with the pool) ~40%.
This backend keeps each connection's socket, so the question is one poll(). Everything
else (connect, TLS, reads, writes, timeouts) is anyio's, unchanged.
"""
from __future__ import annotations

import ssl
import typing

import httpcore
import httpx
from httpcore._backends.anyio import AnyIOBackend
from httpcore._utils import is_socket_readable


class _SocketKeepingStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable" and self._socket is not None:
            return is_socket_readable(self._socket)
        return self._stream.get_extra_info(info)


class SocketKeepingBackend(httpcore.AsyncNetworkBackend):
    """anyio's backend, with streams that answer the pool's idle check from the kept socket."""

    def __init__(self) -> None:
        self._backend = AnyIOBackend()

    async def connect_tcp(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._backend.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        return _SocketKeepingStream(await self._backend.connect_unix_socket(*args, **kwargs))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def keep_sockets(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Give the client's connection pool the socket-keeping backend (httpx has no public
    setting for it; httpx and httpcore are pinned in the lock, and a test checks the swap)."""
    pool = client._transport._pool  # the httpcore.AsyncConnectionPool of httpx.AsyncHTTPTransport
    if not isinstance(pool, httpcore.AsyncConnectionPool):
        raise TypeError(f"expected httpx's default transport, got a pool of type {type(pool).__name__}")
    pool._network_backend = SocketKeepingBackend()
    return client

"""The crawl client's socket-keeping backend: idle connections the server closed are still found
and replaced (real sockets on 127.0.0.1), and only the crawl client gets the backend."""
from __future__ import annotations

import asyncio

import httpcore

from crawler.fetch import make_client
from crawler.settings import CrawlSettings
from crawler.transport import SocketKeepingBackend

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


async def _serve_once_per_connection(connections: list[int]):
    """A keep-alive server that answers one request per connection, then closes it while the
    client holds it idle (what a server's keep-alive timeout does)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def _pool_backend(client) -> object:
    return client._transport._pool._network_backend


def test_an_idle_connection_the_server_closed_is_replaced_not_reused():
    async def crawl() -> tuple[list[int], list[int]]:
        connections: list[int] = []
        server = await _serve_once_per_connection(connections)
        port = server.sockets[0].getsockname()[1]
        statuses = []
        async with make_client(CrawlSettings(concurrency=2)) as client:
            assert isinstance(_pool_backend(client), SocketKeepingBackend)
            for _ in range(3):
                response = await client.get(f"http://127.0.0.1:{port}/")
                statuses.append(response.status_code)
                await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
        server.close()
        await server.wait_closed()
        return statuses, connections

    statuses, connections = asyncio.run(crawl())
    # Reusing a closed connection would fail the request ("server disconnected"): each one got a new connection.
    assert statuses == [200, 200, 200]
    assert len(connections) == 3


def test_only_the_crawl_client_gets_the_backend():
    async def backends():
        async with make_client(CrawlSettings()) as crawl, make_client(CrawlSettings(), cheap_idle_checks=False) as stock:
            return _pool_backend(crawl), _pool_backend(stock)

    crawl, stock = asyncio.run(backends())
    assert isinstance(crawl, SocketKeepingBackend)
    assert not isinstance(stock, SocketKeepingBackend)
    assert isinstance(crawl, httpcore.AsyncNetworkBackend)

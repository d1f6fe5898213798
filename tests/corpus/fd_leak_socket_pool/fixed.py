"""Corpus (fixed): fd leak socket pool."""

import socket


def request(payload):
    """Send payload over a fresh connection and return the echo."""
    client, server = socket.socketpair()
    with client, server:
        client.sendall(payload)
        server.sendall(server.recv(1024))
        reply = client.recv(1024)
    if reply == b"boom":
        raise ConnectionError("server said boom")
    return reply

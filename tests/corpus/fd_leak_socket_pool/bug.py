"""Corpus (bug): fd leak socket pool."""

import socket

_connections = []


def request(payload):
    """Send payload over a fresh connection and return the echo."""
    client, server = socket.socketpair()
    _connections.append((client, server))
    client.sendall(payload)
    server.sendall(server.recv(1024))
    reply = client.recv(1024)
    if reply == b"boom":
        raise ConnectionError("server said boom")
    client.close()
    server.close()
    _connections.remove((client, server))
    return reply

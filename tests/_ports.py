"""Free TCP ports on the loopback address, for tests that start a cluster."""

import socket


def free_ports(n):
    """``n`` distinct ports that were free a moment ago on 127.0.0.1."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()

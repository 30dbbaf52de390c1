"""Loaded by every Python process started with this folder on PYTHONPATH (test_network.py does that): any
attempt to resolve or connect to an address other than this machine is logged to $NETGUARD_LOG and refused."""

import os
import socket
import sys

_LOG = os.environ.get("NETGUARD_LOG")
_LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "", None}


def _report(what: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(f"{os.getpid()} {' '.join(sys.argv[:3])}: {what}\n")
    raise ConnectionRefusedError(f"netguard: {what} is outside this machine")


def _hook(event: str, args: tuple) -> None:
    if event == "socket.getaddrinfo":
        host = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if host not in _LOCAL:
            _report(f"getaddrinfo {host}")
    elif event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOCAL:
            _report(f"connect {address[0]}:{address[1]}")


if _LOG:
    sys.addaudithook(_hook)

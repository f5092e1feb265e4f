"""Loaded into a gateway process under test (PYTHONPATH=tests/netguard): records every attempt
to reach a non-loopback address or resolve a non-local name into $MAAS_NETGUARD_LOG and refuses it."""

import os

_log = os.environ.get("MAAS_NETGUARD_LOG")
if _log:
    import ipaddress
    import socket

    _connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo
    _LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}

    def _record(what: str) -> None:
        with open(_log, "a") as fh:
            fh.write(what + "\n")

    def _is_local(host) -> bool:
        if host is None or host in _LOCAL_NAMES:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(host):
            _record(f"connect {address!r}")
            raise OSError("network disabled in tests")
        return _connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if not _is_local(name):
            _record(f"resolve {name!r}")
            raise socket.gaierror("network disabled in tests")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.getaddrinfo = getaddrinfo

"""Which hosts count as this computer, for the "plain http only to loopback" rule.

One definition for the client, the settings and the sandbox. Only literal loopback
addresses (127.0.0.0/8, ::1) count: a hosts file can point ``localhost`` anywhere.
"""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str | None) -> bool:
    """True for literal loopback addresses (127.0.0.0/8, ::1), never for names."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

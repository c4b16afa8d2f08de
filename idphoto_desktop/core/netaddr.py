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


def is_non_public_address(host: str | None) -> bool:
    """True for a literal address that is not on the public internet and not loopback:
    private (10/8, 192.168/16, fc00::/7...), link-local (169.254/16: cloud metadata),
    shared, reserved, multicast or unspecified. Names are False (resolved elsewhere)."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return False
    return not address.is_global or address.is_multicast

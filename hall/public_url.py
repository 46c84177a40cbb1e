"""Where a phone reaches the hall: the address in each ticket's QR code (`centre.public_url`).

Left unset, it follows the address `motcua serve` listens on — its --host and --port, and for --host 0.0.0.0 this
machine's address on its network. A loopback address (127.0.0.1, localhost, ::1) is unreachable from any phone:
`motcua check-config` and `motcua serve` say so.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Optional
from urllib.parse import urlsplit

ANY = ("0.0.0.0", "::", "")


def lan_address() -> str:
    """This machine's address on the network its default route leads to (a UDP "connect" sends nothing)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def served_url(host: str, port: int) -> str:
    """The URL of `motcua serve --host host --port port` as others on the network see it."""
    host = lan_address() if host in ANY else host
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def with_public_url(cfg, host: str, port: int):
    """The config, with centre.public_url set to where the hall is served when the config leaves it unset."""
    if cfg.centre.public_url:
        return cfg
    centre = cfg.centre.model_copy(update={"public_url": served_url(host, port)})
    return cfg.model_copy(update={"centre": centre})


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def advice(url: str) -> Optional[str]:
    """One line for the admin when phones may not reach the tickets' QR address (unset, or loopback), else None."""
    if not url:
        return ("note: centre.public_url is not set: tickets' QR codes lead to where `motcua serve` listens "
                "(--host, --port); with the default --host 127.0.0.1 phones cannot reach it")
    if not is_loopback(url):
        return None
    return (f"warning: centre.public_url is {url}, a loopback address: a phone scanning a ticket's QR code cannot "
            "reach it. Set centre.public_url to the hall's address on its network (e.g. http://192.168.1.10:5000) "
            "or serve with --host 0.0.0.0 (docs/configuration.md)")

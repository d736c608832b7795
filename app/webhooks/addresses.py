"""Where a webhook may be sent: an http(s) URL whose host resolves only to public addresses.
A URL that reaches loopback, private, link-local or other special addresses is refused
before any connection is made (server-side request forgery: a subscription must not turn
the API into a client of its own network), unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is set,
as for tests and receivers on the same machine. It is checked at registration and again
before every delivery, since what a name resolves to may change."""

import ipaddress
import socket
from urllib.parse import urlsplit

from app.errors import InvalidData

SCHEMES = frozenset({"http", "https"})


class AddressRefused(InvalidData):
    """A webhook URL that may not be sent to."""


def host_of(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(f"url {url!r} is not a URL: {exc}.", field="url") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise AddressRefused(
            f"url {url!r} is not an http or https URL with a host, such as "
            "https://newsroom.example.org/hooks/laborstats.",
            field="url",
        )
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_destination(url: str, *, allow_private: bool) -> None:
    """Refuse `url` unless every address its host resolves to is public (or private ones
    are allowed): a name that resolves to no address is refused too."""
    host, port = host_of(url)
    if allow_private:
        return
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(
            f"url's host {host!r} resolves to no address ({exc}).", field="url"
        ) from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not is_public(address):
            raise AddressRefused(
                f"url's host {host!r} resolves to {address}, a loopback, private, link-local "
                "or reserved address: webhooks are sent only to public addresses (the setting "
                "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES allows others, for receivers on a private "
                "network).",
                field="url",
            )

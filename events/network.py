"""Sending a webhook safely: the URL rules, DNS checked at delivery time, one POST.

Server-side request forgery is the risk: a clinic admin could point an endpoint at the
server's own network. So the host is resolved when we connect, every address it resolves
to is checked, and the connection goes to the checked address (no second lookup an
attacker's DNS could answer differently). Redirects are never followed.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

__all__ = ["Refused", "Response", "check_url", "post", "resolve_checked"]

EXCERPT_CHARS = 200


class Refused(Exception):
    """The URL or the address it resolves to may not be called."""


@dataclass(frozen=True)
class Response:
    status: int
    duration_ms: int
    excerpt: str


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url: str) -> tuple[str, str, int, str]:
    """``(scheme, host, port, path?query)`` of an acceptable URL, or :class:`Refused`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("Enter a valid URL.") from exc
    allow_http = settings.WEBHOOKS_ALLOW_HTTP
    if parts.scheme not in (("https", "http") if allow_http else ("https",)):
        raise Refused("The URL must use https." if not allow_http else "The URL must use http or https.")
    if not parts.hostname:
        raise Refused("Enter a valid URL.")
    if parts.username or parts.password:
        raise Refused("Credentials in the URL are not allowed; use the signature to authenticate.")
    port = port or (443 if parts.scheme == "https" else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.scheme, parts.hostname, port, target


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to: every address of ``host`` must be public (unless allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused("The URL's host name does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise Refused("The URL's host name does not resolve.")
    if not settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS:
        for address in addresses:
            if not _address_allowed(address):
                raise Refused("The URL points to a private, loopback or link-local address.")
    return addresses[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the certificate verified for the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, address: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return "".join(ch if ch.isprintable() else " " for ch in text)[:EXCERPT_CHARS]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> Response:
    """POST ``body`` once. Raises :class:`Refused` or ``OSError`` (timeouts included)."""
    timeout = timeout if timeout is not None else settings.WEBHOOKS_TIMEOUT_SECONDS
    scheme, host, port, target = check_url(url)
    address = resolve_checked(host, port)
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(address, host, port, timeout)
    started = time.monotonic()
    try:
        connection.request("POST", target, body=body, headers={
            **headers, "Content-Type": "application/json", "User-Agent": "IMS-Records-Webhooks/1",
        })
        response = connection.getresponse()
        raw = response.read(EXCERPT_CHARS * 4)
        if time.monotonic() - started > timeout:
            raise TimeoutError("The receiver answered too slowly.")
        return Response(response.status, int((time.monotonic() - started) * 1000), _excerpt(raw))
    except http.client.HTTPException as exc:
        raise OSError(f"Bad HTTP answer: {type(exc).__name__}") from exc
    finally:
        connection.close()

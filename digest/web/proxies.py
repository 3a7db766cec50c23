"""Believing X-Forwarded-For only from the reverse proxies the operator named.

Behind nginx or Caddy every request reaches the app from the proxy's address, so a per-address
sign-in limit would count every visitor as one: twenty requests for made-up addresses would lock
every member out. The client's address is in X-Forwarded-For, but any client can send that
header, so it is believed only when the request comes from an address in `[web] trusted_proxies`;
then werkzeug's ProxyFix takes the address just before the trusted hops (and the scheme from
X-Forwarded-Proto). From anyone else the headers are ignored.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger(__name__)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: X-Forwarded-For entries looked at, at most: a longer chain is somebody padding the header
MAX_HOPS = 10


class TrustedProxies:
    """WSGI middleware around the Flask app (`app.wsgi_app = TrustedProxies(app.wsgi_app, ...)`)."""

    def __init__(self, app: Any, proxies: Iterable[str]) -> None:
        self.app = app
        self.networks: list[Network] = [
            ipaddress.ip_network(p.strip(), strict=False) for p in proxies
        ]
        self._fixers: dict[int, ProxyFix] = {}
        self._warned = False

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks)

    def _hops(self, forwarded: str) -> int:
        """Proxies to skip: the peer, plus each trusted address at the end of the chain."""
        chain = [part.strip() for part in forwarded.split(",") if part.strip()][-MAX_HOPS:]
        hops = 1
        while hops < len(chain) and self.trusted(chain[-hops]):
            hops += 1
        return hops

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        if not forwarded:
            return self.app(environ, start_response)
        if not self.trusted(environ.get("REMOTE_ADDR", "")):
            self._warn(environ.get("REMOTE_ADDR", ""))
            return self.app(environ, start_response)
        hops = self._hops(forwarded)
        fixer = self._fixers.get(hops)
        if fixer is None:
            fixer = self._fixers[hops] = ProxyFix(self.app, x_for=hops, x_proto=1)
        return fixer(environ, start_response)

    def _warn(self, peer: str) -> None:
        if self._warned:
            return
        self._warned = True
        log.warning(
            "X-Forwarded-For came from %s, which is not in [web] trusted_proxies: it is ignored,"
            " and sign-in limits count that address as the client. Behind a reverse proxy, add"
            " the proxy's address to [web] trusted_proxies.",
            peer or "an unknown address",
        )

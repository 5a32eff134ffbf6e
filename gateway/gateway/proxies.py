"""Which X-Forwarded-For to believe: the client's address feeds per-address rate limits here and,
passed on to identity, its per-source limits on passwords, SMS codes and sign-ups (issue 11)."""

from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxyFix:
    """werkzeug's ProxyFix (the last `hops` entries of X-Forwarded-For are our proxies'), applied
    only to requests whose peer is one of `networks` when any are configured. Otherwise a client
    that reaches the gateway past the proxies could name any address and get fresh limits."""

    def __init__(self, app, hops: int, networks: tuple = ()):
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = networks

    def __call__(self, environ, start_response):
        if not self.networks or self._from_proxy(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

    def _from_proxy(self, peer: str | None) -> bool:
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)

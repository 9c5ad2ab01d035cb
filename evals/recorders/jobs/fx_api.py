#!/usr/bin/env python3
"""Loopback stand-in for the FX-rates API the nightly job calls (real HTTP, optional TLS).

    python fx_api.py PORTFILE [--fail-first N] [--fail-pages 2,3] [--cert C --key K]

Binds 127.0.0.1 on a free port and writes the port to PORTFILE. The first N requests (or
every request for the pages in --fail-pages) get HTTP 503, as an overloaded upstream
answers; the others get a page of rates. With --cert/--key it speaks HTTPS with that
certificate (the TLS recorder gives it an expired one).
"""

from __future__ import annotations

import argparse
import json
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

RATES = {"EUR": 1.0, "USD": 1.0842, "GBP": 0.8561, "SEK": 11.482, "PLN": 4.3105, "JPY": 168.21, "CAD": 1.4789,
         "BRL": 5.5903}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("portfile")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-pages", default="")
    p.add_argument("--extra-currency", default="", help="also quote this currency (as a new upstream listing)")
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args()
    if a.extra_currency:
        RATES[a.extra_currency] = 0.9712
    state = {"n": 0}
    failing = {int(x) for x in a.fail_pages.split(",") if x}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["n"] += 1
            page = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
            if state["n"] <= a.fail_first or page in failing:
                body = b'{"error": "upstream overloaded, try again later"}'
                self.send_response(503)
            else:
                items = sorted(RATES.items())[(page - 1) * 3:page * 3]
                body = json.dumps({"page": page, "rates": [{"currency": c, "rate": r} for c, r in items]}).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the job's log the job's own
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.portfile, "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()


if __name__ == "__main__":
    main()

"""Serves the built storefront (`storefront/dist`): static files, `/config.js`, and index.html for every app route.

`python -m shop.storefront --port 3000 --graphql-url http://localhost:4000/graphql` — `make run`
starts it beside the gateway, and the browser tests start it on a port of their own.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Standalone on purpose (no import of the store's packages): the storefront's image holds only this file.
DIST = Path(__file__).resolve().parents[1] / "storefront" / "dist"


class StorefrontHandler(SimpleHTTPRequestHandler):
    """Files from dist/; a path that is no file is an app route, answered with index.html (SPA fallback)."""

    graphql_url = "http://localhost:4000/graphql"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.js":
            return self._send(f"window.SHOP_CONFIG = {json.dumps({'graphqlUrl': self.graphql_url})};\n".encode(), "text/javascript")
        file = Path(self.translate_path(path))
        if not file.is_file() and not path.startswith("/assets/"):
            self.path = "/index.html"
        return super().do_GET()

    def end_headers(self) -> None:
        # Hashed asset names never change content; index.html must be asked for again after a deploy.
        immutable = self.path.startswith("/assets/")
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if immutable else "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass  # quiet: the gateway's and subgraphs' logs are the ones that matter


def serve(port: int, graphql_url: str, host: str = "127.0.0.1", directory: Path = DIST) -> None:
    """Blocks serving `directory` until the process is stopped."""
    if not (directory / "index.html").exists():
        raise SystemExit(f"{directory}/index.html is missing: build the storefront first (`make install`)")
    mimetypes.add_type("text/javascript", ".js")
    handler = type("Handler", (StorefrontHandler,), {"graphql_url": graphql_url})
    with ThreadingHTTPServer((host, port), partial(handler, directory=str(directory))) as server:
        server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--graphql-url", default="http://localhost:4000/graphql")
    parser.add_argument("--dir", type=Path, default=DIST, help="the built storefront (storefront/dist)")
    args = parser.parse_args()
    try:
        serve(args.port, args.graphql_url, args.host, args.dir)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

"""Writes what lists the subgraphs outside Python from the one list, `subgraphs.SUBGRAPHS`.

    python -m shop.manifests            # rewrite supergraph.yaml and the generated blocks of the others
    python -m shop.manifests --check    # exit 1 when a committed file differs from what the list gives

`supergraph.yaml` (what composition reads) is written whole. In `compose.yaml` and `router/router.yaml`
only the blocks between `# >>> subgraphs: <block>` and `# <<< subgraphs` are (compose: the URLs, one
service per subgraph and the router's `depends_on`; router: the in-network subgraph URLs); the rest
of those files is written by hand.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from subgraphs import SUBGRAPHS
from subgraphs.common.settings import DEVELOPMENT_PORT_BASE, PORT_OFFSETS, ROOT

SUPERGRAPH_YAML = ROOT / "supergraph.yaml"
COMPOSE_YAML = ROOT / "compose.yaml"
ROUTER_YAML = ROOT / "router" / "router.yaml"

SUPERGRAPH_HEADER = """\
# The subgraphs of the store, in rover's format. Compose with `cd router && npm run compose`
# (or `rover supergraph compose --config supergraph.yaml`: same library, same result).
# federation_version is the composition release, pinned to router/package.json's
# @apollo/composition; the subgraphs themselves link the Federation 2.11 spec.
# Written by `python -m shop.manifests` from subgraphs.SUBGRAPHS: edit the list, not this file.
"""

#: Environment a subgraph's container has beyond every subgraph's, as compose.yaml lines.
EXTRA_ENVIRONMENT = {
    "users": """\
      SHOP_JWT_PRIVATE_KEY: ${SHOP_JWT_PRIVATE_KEY:?set SHOP_JWT_PRIVATE_KEY to a PEM private key (see the top of compose.yaml)}
      # Whose X-Forwarded-For sign-in throttling believes. By default nobody's here: every client
      # counts as the router's address. Behind a load balancer that appends X-Forwarded-For, list
      # the router's and the balancer's networks (e.g. 172.16.0.0/12,10.0.0.0/8).
      SHOP_TRUSTED_PROXIES: ${SHOP_TRUSTED_PROXIES:-127.0.0.0/8,::1}
""",
    "notifications": """\
      # `smtp` with SHOP_SMTP_HOST / SHOP_SMTP_PORT / SHOP_SMTP_FROM to send email; `log` only logs.
      SHOP_NOTIFY_PROVIDER: ${SHOP_NOTIFY_PROVIDER:-log}
""",
}

BLOCK = re.compile(r"(?P<indent>[ ]*)# >>> subgraphs: (?P<name>[a-z-]+)\n.*?^(?P=indent)# <<< subgraphs\n", re.S | re.M)


def port(name: str) -> int:
    """A subgraph's development port: the one in its container, and the one composition writes."""
    return DEVELOPMENT_PORT_BASE + PORT_OFFSETS[name]


def federation_version() -> str:
    """The composition release router/package.json pins (compose.mjs refuses any other)."""
    package = json.loads((ROOT / "router" / "package.json").read_text())
    return f"={package['dependencies']['@apollo/composition']}"


def supergraph_yaml() -> str:
    """The whole of supergraph.yaml."""
    lines = [SUPERGRAPH_HEADER, f"federation_version: {federation_version()}\n", "subgraphs:\n"]
    for name in SUBGRAPHS:
        lines.append(f"  {name}:\n    routing_url: http://localhost:{port(name)}/graphql\n")
        lines.append(f"    schema: {{ file: ./subgraphs/{name}/schema.graphql }}\n")
    return "".join(lines)


def _service(name: str) -> str:
    command = f'["uvicorn", "subgraphs.{name}.app:app", "--host", "0.0.0.0", "--port", "{port(name)}", "--loop", "uvloop", "--http", "httptools"]'
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port(name)}/health', timeout=2)"
    text = f"  {name}:\n    <<: *subgraph\n    command: {command}\n"
    if name in EXTRA_ENVIRONMENT:
        text += f"    environment:\n      <<: *subgraph-env\n{EXTRA_ENVIRONMENT[name]}"
    text += f'    healthcheck:\n      test: ["CMD", "python", "-c", "{probe}"]\n'
    return text + "      interval: 5s\n      timeout: 3s\n      retries: 20\n"


def compose_blocks() -> dict[str, str]:
    """The generated blocks of compose.yaml by name, each without its marker lines."""
    return {
        "urls": "".join(f"  SHOP_{name.upper()}_URL: http://{name}:{port(name)}\n" for name in SUBGRAPHS),
        "services": "\n".join(_service(name) for name in SUBGRAPHS),
        "router": "".join(f"      {name}:\n        condition: service_healthy\n" for name in SUBGRAPHS),
    }


def router_blocks() -> dict[str, str]:
    """The generated block of router.yaml: each subgraph's URL from its SHOP_<NAME>_URL."""
    line = "  {name}: ${{env.SHOP_{upper}_URL:-http://localhost:{port}}}/graphql\n"
    return {"overrides": "".join(line.format(name=name, upper=name.upper(), port=port(name)) for name in SUBGRAPHS)}


def filled(committed: str, blocks: dict[str, str], path: Path) -> str:
    """`committed` with its generated blocks rewritten."""
    found = [match.group("name") for match in BLOCK.finditer(committed)]
    if sorted(found) != sorted(blocks):
        raise ValueError(f"{path.name} has the generated blocks {found}, expected {sorted(blocks)}")

    def fill(match: re.Match[str]) -> str:
        indent, name = match.group("indent"), match.group("name")
        return f"{indent}# >>> subgraphs: {name}\n{blocks[name]}{indent}# <<< subgraphs\n"

    return BLOCK.sub(fill, committed)


def expected() -> dict[Path, str]:
    """Each generated file with the content the list gives it."""
    return {
        SUPERGRAPH_YAML: supergraph_yaml(),
        COMPOSE_YAML: filled(COMPOSE_YAML.read_text(), compose_blocks(), COMPOSE_YAML),
        ROUTER_YAML: filled(ROUTER_YAML.read_text(), router_blocks(), ROUTER_YAML),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Writes (or with `--check` compares) the files; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m shop.manifests", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on drift")
    args = parser.parse_args(argv)
    drifted = 0
    for path, text in expected().items():
        name = path.relative_to(ROOT)
        if path.read_text() == text:
            print(f"{name} is up to date")
        elif args.check:
            drifted += 1
            print(f"{name} is out of date: python -m shop.manifests", file=sys.stderr)
        else:
            path.write_text(text)
            print(f"wrote {name}")
    return 1 if drifted else 0


if __name__ == "__main__":
    sys.exit(main())

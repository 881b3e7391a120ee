"""router/router.yaml and compose.yaml against the JSON schemas of Apollo Router and Compose.

Neither Apollo Router nor a Docker engine runs on the development machines, so their configuration
is checked against the schemas kept in the shared folder beside the repository
(`../shared/apollo-router/`, `../shared/compose-spec/`); each test skips where its schema is absent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from subgraphs import SUBGRAPHS
from subgraphs.common.settings import PORT_OFFSETS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ROUTER_YAML = ROOT / "router" / "router.yaml"
COMPOSE_YAML = ROOT / "compose.yaml"

# Paths whose use makes Apollo Router demand a GraphOS licence (../shared/apollo-router/README.md).
LICENSED = [
    "authentication.router",
    "authorization.directives",
    "subscription",
    "demand_control",
    "limits.max_depth",
    "limits.max_height",
    "limits.max_root_fields",
    "limits.max_aliases",
    "persisted_queries",
    "batching",
    "coprocessor",
    "apq.router.cache.redis",
    "supergraph.query_planning.cache.redis",
    "preview_entity_cache.enabled",
    "response_cache.enabled",
]


def schema(folder: str, name: str) -> Any:
    path = SHARED / folder / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared folder beside the repository holds the schema)")
    return yaml.safe_load(path.read_text())  # JSON is YAML


def errors(instance: Any, json_schema: Any) -> list[str]:
    """Every violation, as `path: message` (both schemas are draft-07)."""
    validator = Draft7Validator(json_schema)
    found = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]


def router_config() -> dict[str, Any]:
    return yaml.safe_load(ROUTER_YAML.read_text())


def graphos_config() -> dict[str, Any]:
    """router.yaml with its commented GraphOS opt-in block switched on."""
    text = ROUTER_YAML.read_text()
    block = re.search(r"^# >>> graphos\n(.*?)^# <<< graphos", text, re.S | re.M)
    assert block, "router.yaml lost its '# >>> graphos' ... '# <<< graphos' block"
    opt_in = yaml.safe_load(re.sub(r"^# ?", "", block.group(1), flags=re.M))
    return {**router_config(), **opt_in}


def has_path(config: dict[str, Any], dotted: str) -> bool:
    node: Any = config
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node or node[key] is None:
            return False
        node = node[key]
    return node is not False


def test_router_yaml_matches_the_router_schema() -> None:
    assert errors(router_config(), schema("apollo-router", "router-config.schema.json")) == []


def test_router_yaml_graphos_opt_in_matches_the_router_schema() -> None:
    assert errors(graphos_config(), schema("apollo-router", "router-config.schema.json")) == []


def test_router_yaml_uses_only_free_features() -> None:
    config = router_config()
    assert [path for path in LICENSED if has_path(config, path)] == []


def test_router_yaml_forwards_authorization_and_subgraph_errors() -> None:
    config = router_config()
    assert {"propagate": {"named": "authorization"}} in config["headers"]["all"]["request"]
    assert config["include_subgraph_errors"]["all"] is True


def test_compose_yaml_matches_the_compose_spec() -> None:
    compose = yaml.safe_load(COMPOSE_YAML.read_text())
    assert errors(compose, schema("compose-spec", "compose-spec.schema.json")) == []


def test_every_subgraph_is_deployed_and_routed() -> None:
    compose = yaml.safe_load(COMPOSE_YAML.read_text())
    services = compose["services"]
    router_env = services["router"]["environment"]
    overrides = router_config()["override_subgraph_url"]
    assert set(overrides) == set(SUBGRAPHS)
    for name in SUBGRAPHS:
        port = 4000 + PORT_OFFSETS[name]
        command = services[name]["command"]
        assert command[:2] == ["uvicorn", f"subgraphs.{name}.app:app"]
        assert command[command.index("--port") + 1] == str(port)
        assert str(port) in " ".join(services[name]["healthcheck"]["test"])
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"][f"SHOP_{name.upper()}_URL"] == f"http://{name}:{port}"
        assert router_env[f"SHOP_{name.upper()}_URL"] == f"http://{name}:{port}"
        assert overrides[name] == f"${{env.SHOP_{name.upper()}_URL:-http://localhost:{port}}}/graphql"
        assert services["router"]["depends_on"][name]["condition"] == "service_healthy"


def test_the_storefront_is_deployed_beside_the_router_and_allowed_by_its_cors() -> None:
    services = yaml.safe_load(COMPOSE_YAML.read_text())["services"]
    storefront = services["storefront"]
    assert storefront["build"]["dockerfile"] == "storefront/Dockerfile"
    assert "3000:3000" in storefront["ports"]
    assert "3000/config.js" in " ".join(storefront["healthcheck"]["test"])
    assert services["router"]["environment"]["SHOP_CORS_ORIGINS"] == "${SHOP_CORS_ORIGINS:-http://localhost:3000}"
    assert "${env.SHOP_CORS_ORIGINS" in ROUTER_YAML.read_text()

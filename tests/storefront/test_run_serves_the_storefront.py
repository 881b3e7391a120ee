"""`make run` serves the built storefront beside the gateway and prints its address."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from subgraphs.common.settings import ROOT
from tests.e2e.test_run_command import PORT_BASE, first_answer, stop

pytestmark = pytest.mark.e2e  # starts the store itself, as `make run` does

# What `make run` prints and serves on a shifted port base: base + 10 (3000 beside the default 4000).
STOREFRONT = f"http://127.0.0.1:{PORT_BASE + 10}"


def test_run_serves_the_storefront_and_prints_its_address(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("SHOP_")}
    env.update(SHOP_DATA_DIR=str(tmp_path), SHOP_PORT_BASE=str(PORT_BASE), COLUMNS="200")
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "shop", "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        first_answer(process)
        printed = f"storefront            http://localhost:{PORT_BASE + 10}"
        deadline = time.monotonic() + 60  # the gateway answers a moment before the storefront is up and printed
        while printed not in log.read_text():
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()
            time.sleep(0.2)
        page = httpx.get(f"{STOREFRONT}/orders/any", timeout=5)
        assert page.status_code == 200 and '<div id="app">' in page.text
        config = httpx.get(f"{STOREFRONT}/config.js", timeout=5).text
        assert f"http://127.0.0.1:{PORT_BASE}/graphql" in config
    finally:
        assert stop(process) == []

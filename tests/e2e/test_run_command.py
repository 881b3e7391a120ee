"""`python -m shop run` (what `make run` starts): the store comes up from nothing, and SIGTERM
stops every process it started, the embedded PostgreSQL included; a second run finds the data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from subgraphs.common.settings import ROOT
from tests.conftest import TEST_PORT_BASE

pytestmark = pytest.mark.e2e  # starts the store itself, as `make run` does

PORT_BASE = TEST_PORT_BASE + 100
QUERY = {"query": "{ categories { name productCount } pickupPoints { name } }"}


def start(data_dir: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("SHOP_")}
    env.update(SHOP_DATA_DIR=str(data_dir), SHOP_PORT_BASE=str(PORT_BASE))
    return subprocess.Popen([sys.executable, "-m", "shop", "run"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def first_answer(process: subprocess.Popen[bytes], timeout: float = 120.0) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run command exited with {process.returncode}"
        try:
            response = httpx.post(f"http://127.0.0.1:{PORT_BASE}/graphql", json=QUERY, timeout=2.0)
            if response.status_code == 200:
                return response.json()["data"]  # type: ignore[no-any-return]
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the store did not answer")


def stop(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    """SIGTERM, then the processes it started that are still alive."""
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) in (0, 143)
    _, alive = psutil.wait_procs(children, timeout=10)
    return alive


def postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "pg" / "postmaster.pid"
    return pid_file.exists() and psutil.pid_exists(int(pid_file.read_text().split()[0]))


def test_run_starts_everything_and_sigterm_stops_everything(tmp_path: Path) -> None:
    process = start(tmp_path)
    try:
        data = first_answer(process)
        assert len(data["categories"]) >= 5 and sum(c["productCount"] for c in data["categories"]) >= 100
        assert len(data["pickupPoints"]) == 2
        assert postgres_running(tmp_path)
    finally:
        alive = stop(process)
    assert alive == [] and not postgres_running(tmp_path)

    again = start(tmp_path)  # the same data: nothing seeded twice
    try:
        assert first_answer(again) == data
    finally:
        assert stop(again) == [] and not postgres_running(tmp_path)

"""One subgraph under uvicorn for a benchmark, started as `make run` starts it and ready when it answers /health."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx

from subgraphs.common.settings import ROOT


def serve(name: str, port: int, env: dict[str, str], *, workers: int = 1, attempts: int = 150) -> subprocess.Popen[bytes]:
    """`subgraphs.<name>.app:app` on 127.0.0.1:`port` (uvloop, httptools) with `env` over the environment."""
    command = [sys.executable, "-m", "uvicorn", f"subgraphs.{name}.app:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, start_new_session=True)
    for _ in range(attempts):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the {name} subgraph did not start")

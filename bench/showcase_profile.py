"""Where the showcase benchmark's servers spend their CPU: py-spy and V8 profiles, and CPU per request from /proc."""

from __future__ import annotations

import collections
import contextlib
import re
import subprocess
import sys
from pathlib import Path

import orjson
import psutil

from subgraphs.common.settings import ROOT


def profile(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the process (and its uvicorn workers) into collapsed stacks."""
    command = [str(Path(sys.executable).with_name("py-spy")), "record", "--subprocesses", "--format", "raw", "--rate", "200",
               "--duration", str(seconds), "--pid", str(pid), "--output", str(out), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize(raw: Path, top: int = 20) -> str:
    """The functions where samples were taken (self time), as a share of all samples."""
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frame = stack.split(";")[-1]
        own[re.sub(r" \((/.*/)?(site-packages/)?", " (", frame)] += int(count)
        total += int(count)
    rows = [f"| {100 * n / total:.1f}% | `{frame}` |" for frame, n in own.most_common(top)]
    return "| self | function (file:line) |\n|---:|---|\n" + "\n".join(rows)


def summarize_node(folder: Path, top: int = 20) -> str:
    """Self time by function of the gateway's `node --cpu-prof` profile(s), as a share of all samples."""
    own: collections.Counter[str] = collections.Counter()
    for path in folder.glob("*.cpuprofile"):
        data = orjson.loads(path.read_bytes())
        frames = {n["id"]: n["callFrame"] for n in data["nodes"]}
        for sample in data["samples"]:
            frame = frames[sample]
            where = re.sub(r".*/node_modules/", "", frame["url"]) or "(native)"
            own[f"{frame['functionName'] or '(anonymous)'} ({where}:{frame['lineNumber'] + 1})"] += 1
    total = sum(own.values()) or 1
    rows = [f"| {100 * n / total:.1f}% | `{frame}` |" for frame, n in own.most_common(top)]
    return "| self | function (file:line) |\n|---:|---|\n" + "\n".join(rows)


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and all they started, the ended ones too (PostgreSQL's backends of
    closed connections, counted in their parent's children times once reaped)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(pid)
            times = root.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
            for child in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    times = child.cpu_times()
                    total += times.user + times.system
    return total


def postgres() -> list[int]:
    """The embedded PostgreSQL of the benchmark database (its postmaster), or none (a server elsewhere)."""
    data = str(ROOT / ".data" / "bench")
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if process.info["name"] == "postgres" and any(data in part for part in process.info["cmdline"] or ()):
                return [process.pid]
    return []

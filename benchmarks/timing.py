"""Timing whole commands as new processes, the way a user runs them."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path


def median_wall(
    cmd: list[str], runs: int, cwd: Path | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    """The median wall time of ``runs`` runs of ``cmd``, and the last run's result.

    Run as an installed tool runs: with its modules' bytecode cached (pip compiles it
    at install; a shell with PYTHONDONTWRITEBYTECODE set would make every run compile
    every module again), after one untimed run that writes the cache.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result

"""Timing whole commands as new processes, the way a user runs them."""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path


def median_wall(
    cmd: list[str], runs: int, cwd: Path | None = None
) -> tuple[float, subprocess.CompletedProcess]:
    """The median wall time of ``runs`` runs of ``cmd``, and the last run's result."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result

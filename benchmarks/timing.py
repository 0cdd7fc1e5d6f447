"""Timing whole commands as new processes, the way a user runs them."""

from __future__ import annotations

import os
import shutil
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


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def settle(drop_caches: bool = False) -> bool:
    """Let the disk write what earlier steps wrote before the next one is timed.

    ``drop_caches``: also empty the kernel's page, dentry and inode caches (root only;
    True if done), so that a timed build starts from the same state whatever ran
    before it (seen here: with 5 GB of ext4 inodes cached from earlier runs, kswapd
    took most of a core during a publish, reclaiming them).
    """
    os.sync()
    dropped = False
    if drop_caches:
        try:
            DROP_CACHES.write_text("3\n")
            dropped = True
        except OSError:
            pass
    time.sleep(2)
    return dropped


class Trash:
    """Folders a benchmark is done with, set aside at once and deleted when it ends.

    On this disk (ext4 mounted with ``discard``) deleting a big site keeps the file
    system slow for minutes after ``rm`` returns: whatever was timed next paid for it
    (kb's pages 114 s right after a delete, 34-52 s without one; one process making
    112,000 folders 97 s right after a delete, 9 s later). A rename is instant.
    """

    def __init__(self, work: Path):
        self.folder = work / ".trash"
        self.count = 0

    def discard(self, path: Path) -> None:
        if not path.exists():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:  # a run cut short may have left its trash: names go on from there
            self.count += 1
            target = self.folder / f"{self.count}-{path.name}"
            if not target.exists():
                break
        os.rename(path, target)

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

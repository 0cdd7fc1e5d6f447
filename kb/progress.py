"""A Rich progress bar for long adds and rebuilds: on a terminal only, and only for
batches big enough to take a while; silent when output is piped."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Below this many files a batch finishes in about a second: no bar.
MIN_FILES = 200


@contextmanager
def bar(label: str) -> Iterator[Callable[[int], Callable[[], None] | None]]:
    if not sys.stderr.isatty():
        yield lambda total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn(f"{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    def start(total: int) -> Callable[[], None] | None:
        if total < MIN_FILES:
            return None
        progress.start()
        task = progress.add_task(label, total=total, rate="")

        def tick() -> None:
            progress.advance(task)
            speed = progress.tasks[0].speed
            if speed:
                progress.update(task, rate=f"{speed:,.0f} articles/s")

        return tick

    try:
        yield start
    finally:
        progress.stop()

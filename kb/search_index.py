"""The site's in-browser search: a Pagefind bundle of one record per article (no
re-parsing of the rendered pages), written by kb.pagefind_bundle.

Each record carries the article's text (with its event IDs and its error codes in every
notation, so typing ``9321`` or ``0x2AFC`` in the search box finds the article) and the
filters the search box shows as facets: event source, product and tag. Only those: the
browser loads every filter of the bundle to count facets (event IDs and error codes as
filters would add thousands of values, and a copy of them in every result's fragment).
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kb import codes

if TYPE_CHECKING:
    from kb.model import Article

BUNDLE = "pagefind"
EXTRA = "pagefind-added"  # bundles beside the main one (parts of a big site, later adds)
EXTRA_LIST = "static/bundles.json"  # what the search box merges


def search_record(article: Article) -> dict:
    """The Pagefind custom record for one article (URL relative to the site root)."""
    from kb.site_model import article_url

    code_words: list[str] = []
    for code in article.error_codes:
        code_words.append(code.code)
        if code.value is not None:
            code_words += [f for f in codes.notations(code.value) if " " not in f]
    events = [f"{e.source or ''} {e.event_id}".strip() for e in article.events]
    content = "\n".join(
        [
            article.title,
            " ".join(article.aliases),
            " ".join(events),
            " ".join(dict.fromkeys(code_words)),
            article.plain_text(),
        ]
    )
    filters = {
        "source": sorted({e.source for e in article.events if e.source}),
        "product": list(dict.fromkeys(article.products)),
        "tag": [article.tag] if article.tag else [],
    }
    return {
        "url": article_url(article.number),
        "content": content,
        "language": "en",
        "meta": {"title": f"{article.id}: {article.title}"},
        "filters": {k: v for k, v in filters.items() if v},
    }


class PagefindService:
    """A synchronous client for ``pagefind --service`` (the binary that PyPI's
    ``pagefind[bin]`` ships): base64-encoded JSON messages, each ended by a comma.

    The package's own async client reads one response every 0.1 s (measured: 100
    records in 10 s, so the corpus would take 93 minutes); this one reads responses
    as they come, on a thread, so the service never blocks on a full pipe.
    """

    def __init__(self) -> None:
        from pagefind.service import get_executable

        executable = get_executable()
        if executable is None:
            raise RuntimeError("the pagefind binary is missing (pip install 'pagefind[bin]')")
        self.proc = subprocess.Popen(
            [str(executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0
        self.responses: dict[int, dict] = {}
        self.ready = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        buffer = b""
        stream = self.proc.stdout
        while chunk := stream.read1(1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for message in messages:
                response = json.loads(base64.b64decode(message))
                with self.ready:
                    self.responses[response.get("message_id") or 0] = response["payload"]
                    self.ready.notify_all()
        with self.ready:
            self.responses[-1] = {"type": "Error", "message": "pagefind service ended"}
            self.ready.notify_all()

    def send(self, payload: dict) -> int:
        self.next_id += 1
        message = {"message_id": self.next_id, "payload": payload}
        self.proc.stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        return self.next_id

    def wait(self, message_id: int) -> dict:
        self.proc.stdin.flush()
        with self.ready:
            self.ready.wait_for(lambda: message_id in self.responses or -1 in self.responses)
            payload = self.responses.pop(message_id, None) or self.responses[-1]
        if payload.get("type") == "Error":
            raise RuntimeError(f"pagefind: {payload.get('message')}")
        return payload

    def close(self) -> None:
        self.settle()
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def settle(self, quiet: float = 0.15, limit: float = 60.0) -> None:
        """Wait until the service has no file write in flight.

        Pagefind answers WriteFiles once it has handed each file's last bytes to tokio,
        which writes them on a thread of its own (the files are dropped unflushed);
        ending the service then cuts those files short. Seen on a loaded machine: a
        bundle's pagefind.js cut at 45,056 of its 45,555 bytes, and the search box
        broken. So: wait until no thread of the service is in a file-system call and
        its count of bytes written has not moved for ``quiet`` seconds.
        """
        proc = Path(f"/proc/{self.proc.pid}")
        if not proc.is_dir():  # not Linux: a pause instead
            time.sleep(0.5)
            return
        busy_calls = {"1", "2", "3", "18", "20", "83", "257"}  # write open close pwrite...
        deadline = time.monotonic() + limit
        last, since = None, time.monotonic()
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                written = next(
                    line for line in (proc / "io").read_text().splitlines() if line[:6] == "wchar:"
                )
                busy = False
                for task in (proc / "task").iterdir():
                    call = (task / "syscall").read_text().split(maxsplit=1)
                    busy = busy or (bool(call) and call[0] in busy_calls)
            except OSError:
                return
            now = time.monotonic()
            if busy or written != last:
                last, since = written, now
            elif now - since >= quiet:
                return
            time.sleep(0.03)


def pagefind_service_bundle(records: list[dict], bundle: Path) -> None:
    """A bundle written by Pagefind's own indexer (``pagefind --service``): where the
    writer takes Pagefind's scripts and WebAssembly from, and a baseline to test and
    measure the writer against."""
    service = PagefindService()
    try:
        config = {"force_language": "en"}
        index_id = service.wait(service.send({"type": "NewIndex", "config": config}))["index_id"]
        pending = []
        for record in records:
            pending.append(
                service.send({"type": "AddRecord", "index_id": index_id, "sort": None, **record})
            )
            if len(pending) >= 500:
                for message_id in pending:
                    service.wait(message_id)
                pending.clear()
        for message_id in pending:
            service.wait(message_id)
        service.wait(
            service.send({"type": "WriteFiles", "index_id": index_id, "output_path": str(bundle)})
        )
    finally:
        service.close()


# The most pages in one bundle; None: the whole site is one bundle (the writer holds
# no more than a batch of records and one first letter's postings at a time, however
# large the site). A smaller figure splits the site, as later additions are split off.
BUNDLE_PAGES: int | None = None


def build_search_index(
    sources: Iterable[list[dict] | str], out: Path, name: str = BUNDLE, jobs: int | None = None
) -> int:
    """Write the site's search bundle under ``out/name`` from ``sources`` (lists of
    search records, or JSON-lines files of them, in page order); its bytes (with the
    bundles split off by BUNDLE_PAGES, listed in static/bundles.json for the search box
    to merge; the list is written empty otherwise)."""
    from kb.pagefind_bundle import folder_bytes, write_bundle

    sources = list(sources)
    names = [name]
    written: dict[str, int] = {}  # bundle -> its bytes, as write_bundle counted them
    if BUNDLE_PAGES is None:
        written[name] = write_bundle(sources, out / name, jobs=jobs)
    else:
        records = [r for s in sources for r in (s if isinstance(s, list) else _read(s))]
        shares = [records[i : i + BUNDLE_PAGES] for i in range(0, len(records), BUNDLE_PAGES)]
        names += [f"{EXTRA}/part-{n}" for n in range(1, len(shares))]
        for bundle, share in zip(names, shares or [[]], strict=False):
            written[bundle] = write_bundle([share], out / bundle, jobs=jobs)
    # The search box asks for the list of extra bundles: an empty one, not a 404.
    _list_bundles(out, [f"{n}/" for n in names[1:]])
    return sum(
        written[n] if n in written else folder_bytes(out / n) for n in _bundle_names(out, name)
    )


def _read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _bundle_names(out: Path, name: str) -> list[str]:
    listing = out / EXTRA_LIST
    extra = json.loads(listing.read_text()) if listing.exists() else []
    return [name, *(e.rstrip("/") for e in extra if e.startswith(f"{EXTRA}/part-"))]


def _list_bundles(out: Path, names: list[str]) -> None:
    from kb.atomic import atomic_write

    listing = out / EXTRA_LIST
    listing.parent.mkdir(parents=True, exist_ok=True)
    bundles = json.loads(listing.read_text()) if listing.exists() else []
    atomic_write(listing, json.dumps([*bundles, *names]))


def add_search_bundle(records: list[dict], out: Path) -> int:
    """Index just these records as one more bundle, listed for the search box to merge."""
    from kb.pagefind_bundle import write_bundle

    name = f"{EXTRA}/{time.strftime('%Y%m%d%H%M%S')}-{len(records)}"
    size = write_bundle([records], out / name, jobs=1)
    _list_bundles(out, [name + "/"])
    return size

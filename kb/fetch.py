"""Fetching an archived article by URL for `kb add URL`: http and https only, a timeout,
a size cap, and the bytes kept exactly as received."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from kb.model import IngestError
from kb.readers.base import MAX_BYTES

TIMEOUT = 20.0
_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "multipart/related": ".mht",
    "message/rfc822": ".mht",
}


def is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text, re.I))


def fetch(url: str, folder: Path, timeout: float = TIMEOUT) -> tuple[Path, str]:
    """Download ``url`` into ``folder``; returns the file and its provenance line."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise IngestError("only http and https URLs can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "kbarchive/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise IngestError(f"too large ({int(length) / 2**20:.1f} MB)")
            data = response.read(MAX_BYTES + 1)
            kind = response.headers.get_content_type()
            final = response.geturl()
    except urllib.error.HTTPError as exc:
        raise IngestError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise IngestError(f"cannot fetch: {exc.reason}") from None
    except TimeoutError:
        raise IngestError(f"no answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise IngestError(f"cannot fetch: {exc}") from None
    if len(data) > MAX_BYTES:
        raise IngestError(f"too large (more than {MAX_BYTES // 2**20} MB)")
    name = Path(urlsplit(final).path).name or "page"
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "page"
    if not Path(name).suffix:
        name += _TYPES.get(kind, ".html")
    target = folder / name
    counter = 1
    while target.exists():
        target = folder / f"{counter}-{name}"
        counter += 1
    target.write_bytes(data)
    fetched = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return target, f"{url} (fetched {fetched})"

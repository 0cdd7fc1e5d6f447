"""Locating (and unpacking once) the shared corpus that benchmarks and tests run on.

The corpus lives in ``../shared/corpus`` beside the project (override with
``KB_SHARED``). It is unpacked once into a cache folder (``KB_CORPUS_CACHE``, default
``~/.cache/kbarchive/corpus``) and reused afterwards.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _find_shared() -> Path:
    """``KB_SHARED``, else ``../shared`` beside this checkout, else beside the repository
    this checkout was cloned from (CI runs in a fresh clone elsewhere)."""
    if os.environ.get("KB_SHARED"):
        return Path(os.environ["KB_SHARED"])
    candidates = [ROOT.parent / "shared"]
    try:
        origin = subprocess.run(
            ["git", "-C", str(ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and not re.match(r"^[a-z]+://|^[^/]+:", origin):
        candidates.append(Path(origin).resolve().parent / "shared")
    return next((c for c in candidates if (c / "corpus").is_dir()), candidates[0])


SHARED = _find_shared()
CORPUS = SHARED / "corpus"
GOLD = CORPUS / "gold"
SEED_HTML = SHARED / "fixtures" / "archive-site" / "KB279415.html"
SEED_EXPECTED = SHARED / "fixtures" / "archive-site" / "KB279415.expected.json"
CACHE = Path(os.environ.get("KB_CORPUS_CACHE", Path.home() / ".cache" / "kbarchive" / "corpus"))

TXT_TAR = CORPUS / "kbarchive-txt.tar.xz"
HTML_TAR = CORPUS / "kbarchive-html-sample.tar.xz"


def available() -> bool:
    return TXT_TAR.is_file() and GOLD.is_dir()


def _unpack(tar: Path, marker: str) -> Path:
    done = CACHE / f".{marker}.done"
    if not done.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-xJf", str(tar), "-C", str(CACHE)], check=True)
        done.write_text("ok\n")
    return CACHE


def txt_dir() -> Path:
    """The unpacked plain-text corpus: ``txt/NNN/QNNNNNN.TXT``."""
    return _unpack(TXT_TAR, "txt") / "txt"


def html_dir() -> Path:
    """The unpacked HTML sample: ``docs/kb/NNN/QNNNNNN/index.html``."""
    return _unpack(HTML_TAR, "html") / "docs"


def txt_path(number: int) -> Path:
    return txt_dir() / f"{number // 1000:03d}" / f"Q{number}.TXT"


# Modules that only read or present what the workspace holds (queries, pages, terminal
# output, the site's search, event-log triage): changing them leaves the records and the
# index as they are, so it does not make a cached workspace stale.
READ_ONLY = frozenset(
    {
        "indexer/query.py",
        "indexer/ranking.py",
        "kb/cli.py",
        "kb/fast_markdown.py",
        "kb/lookup.py",
        "kb/output.py",
        "kb/pages.py",
        "kb/pagefind_bundle.py",
        "kb/publish.py",
        "kb/search_index.py",
        "kb/serve.py",
        "kb/site_model.py",
        "kb/terminal.py",
        "kb/triage.py",
    }
)


def code_fingerprint() -> str:
    """A hash of the code and data that make a workspace (readers, extraction, codes and
    their catalogs, the index), to know whether a cached workspace is current."""
    import hashlib

    digest = hashlib.sha256()
    for package in ("kb", "indexer"):
        for path in sorted((ROOT / package).rglob("*")):
            name = path.relative_to(ROOT).as_posix()
            if not path.is_file() or "__pycache__" in name or name in READ_ONLY:
                continue
            if name.startswith("kb/eventlogs/") or path.suffix not in (".py", ".tsv", ".json"):
                continue
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def full_workspace() -> Path:
    """The whole corpus added to a workspace by the current code, built once and cached.

    Takes about two minutes on two cores the first time; reused while the code of
    ``kb/`` and ``indexer/`` is unchanged. Older cached workspaces are removed.
    """
    import shutil

    from kb.archive import Workspace, add_files

    root = CACHE.parent / f"workspace-{code_fingerprint()}"
    done = root / ".kb" / "complete"
    if not done.exists():
        for old in CACHE.parent.glob("workspace-*"):
            shutil.rmtree(old, ignore_errors=True)
        root.mkdir(parents=True)
        report = add_files(Workspace(root), [str(txt_dir()), str(html_dir())])
        if report.failed:
            raise RuntimeError(
                f"corpus ingest failed for {len(report.failed)} files: {report.failed[:3]}"
            )
        done.write_text("ok\n")
    return root

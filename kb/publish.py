"""The static site generator: records in, a cross-linked site out (Pelican's generators
and writers, in one module with a Jinja2 theme from ``site/``).

Pages: one per article (and a small one per cited article that is not archived),
event pages by source and ID, error-code pages, product and tag pages, and a home
page. Every link is relative, so the site works from any sub-path and from disk.
Search runs in the browser on a Pagefind index built from the records
(kb.search_index). The site model is kb.site_model; page rendering, kb.pages.

Nothing from an archived page can execute: section Markdown is rendered by
markdown-it-py with raw HTML disabled, every value is escaped by Jinja2, and original
captures are published as ``.txt`` files.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kb.atomic import atomic_write, built_aside
from kb.model import Article, kb_id
from kb.pages import (
    THEME,
    Renderer,
    redirect_pages,
    render_article,
    render_page,
    site_pages,
    source_copy_path,
)
from kb.site_model import Site, code_key, event_source_slug, slug, summary

# ------------------------------------------------------------------ the writer

# The summaries a later incremental update starts from: one JSON object a line, so that
# an update rewrites the lines of the articles it changed and copies the others as read.
STATE = ".kbsite.jsonl"
OLD_STATE = ".kbsite.json"  # one JSON array (sites published before the change)


SUMMARY_BATCH = 1000  # records a summary worker reads at a time

# A full build's source copies are hard links, each of which waits on the disk for the
# archive's folder of the article and its file (cold: 185 us a link on one thread,
# 107 us on eight, 6.1 of the 10.4 s for 55,989 links in the kernel). Threads of the
# publishing process, idle while the page workers run, make them; the page workers
# measured 350-510 us a link, a fifth of their time, when they made them themselves.
LINK_THREADS = 4

_WORKER: dict = {}


def _init_worker(
    site: Site, base_url: str, out: str, records: str, root: str | None, spill: str | None = None
) -> None:
    _WORKER.update(
        site=site,
        renderer=Renderer(base_url),
        out=Path(out),
        records=Path(records),
        root=Path(root) if root else None,
        spill=Path(spill) if spill else None,
    )
    gc.freeze()  # the site model lives as long as the worker: out of the collector's scans


def _load(records: Path, number: int) -> Article:
    path = records / f"{kb_id(number)}.json"
    return Article.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _load_summaries(job: tuple[str, list[int], str]) -> list[Article]:
    """Summaries of records, and their lines of the saved state written to
    ``state_part``: made by the workers that read the records (which wait on the disk
    more than they compute), not by the main process while page workers take every
    core (224,000 lines took it 18.9 s there)."""
    records, numbers, state_part = Path(job[0]), job[1], job[2]
    found = [summary(_load(records, n)) for n in numbers]
    with open(state_part, "w", encoding="utf-8", newline="\n") as part:
        part.writelines(map(_state_line, found))
    return found


def _run(task: tuple[str, list]) -> tuple[int, list[str]]:
    """One unit of a worker's share of a full build: article pages (with their source
    copies; the file their search records went to returned) or other pages."""
    kind, items = task
    if kind == "articles":
        return _write_articles(items)
    return write_index_pages(_WORKER["site"], _WORKER["renderer"], _WORKER["out"], items), []


def _write_articles(numbers: list[int]) -> tuple[int, list[str]]:
    """Render and write article pages. With a spill folder (the site gets a search
    index), their search records go to a JSON-lines file there, named in return: the
    main process never holds every article's text (224,000 of them would be ~1 GB)."""
    from kb.search_index import search_record

    site, renderer, out, root = (_WORKER[k] for k in ("site", "renderer", "out", "root"))
    spill = _WORKER.get("spill")
    search: list[str] = []
    for number in numbers:
        article = _load(_WORKER["records"], number)
        path, html = render_article(site, article, renderer)
        _write(out / path, html)
        if root is not None:
            copy_source(article, root, out)
        write_redirects(number, renderer.base_url, out)
        if spill is not None:
            search.append(json.dumps(search_record(article), ensure_ascii=False))
    if spill is None or not search:
        return len(numbers), []
    target = spill / f"{numbers[0]:010d}.jsonl"
    _write(target, "\n".join(search) + "\n")
    return len(numbers), [str(target)]


def write_redirects(number: int, base_url: str, out: Path) -> None:
    """The article's old addresses (kb/279415, kb/Q279415, kb/279415/en-us) as redirect
    pages: 3 small files per article."""
    for path, html in redirect_pages(number, base_url):
        _write(os.path.join(out, path), html)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _write(target: Path | str, text: str) -> None:
    """A new page, with as few system calls as can be (a full build writes 400,000
    files into new folders: each folder is made first, not found missing by a failed
    open; no buffered file object, whose open costs three calls more)."""
    folder = os.path.dirname(target)
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    data = memoryview(text.encode("utf-8"))
    fd = os.open(target, _CREATE, 0o644)
    try:
        while data:
            data = data[os.write(fd, data) :]
    finally:
        os.close(fd)


@dataclass
class PublishReport:
    pages: int = 0
    articles: int = 0
    seconds_pages: float = 0.0
    seconds_search: float = 0.0
    search_bytes: int = 0
    written: list[str] = field(default_factory=list)


def publish(
    records_dir: Path,
    numbers: list[int],
    out: Path,
    *,
    workspace_root: Path | None = None,
    base_url: str = "",
    jobs: int | None = None,
    search: bool = True,
    progress: Callable[[int], Callable[[], None] | None] | None = None,
) -> PublishReport:
    """Build the whole site of the records ``numbers`` into ``out`` (built aside, then
    swapped in).

    Everything but the site model runs on ``jobs`` worker processes: reading the
    records' summaries (and the saved state, from them), then article pages (with
    their source copies) and the other pages.
    """
    out = Path(out).resolve()
    report = PublishReport()
    with built_aside(out, prefix=f".{out.name}-") as tmp:
        start = time.perf_counter()
        numbers = sorted(numbers)
        jobs = jobs or os.cpu_count() or 1
        parallel = jobs > 1 and len(numbers) > 400
        with _paused_gc():
            site = Site.from_records(_summaries(records_dir, numbers, jobs if parallel else 1, tmp))
        _attach_captures(site, workspace_root)
        report.articles = len(site.articles)
        tick = progress(len(numbers)) if progress else None
        tasks = _tasks(site)
        # Search records wait in files inside the new site, removed once indexed (or
        # with the whole folder if the build fails).
        spill = str(tmp / ".search-records") if search else None
        init = (site, base_url, str(tmp), str(records_dir), str(workspace_root or ""), spill)
        search_files: list[str] = []
        if parallel:
            # The page workers leave the source copies to threads here (see LINK_THREADS),
            # which link each batch once its pages (and so its folders) are written.
            workers = (site, base_url, str(tmp), str(records_dir), "", spill)
            with (
                ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=workers) as pool,
                ThreadPoolExecutor(LINK_THREADS) as linker,
            ):
                results = pool.map(_run, tasks)
                copy_theme(tmp)  # meanwhile, here
                linked = []
                for (kind, items), (done, found) in zip(tasks, results, strict=True):
                    report.pages += done
                    search_files += found
                    if kind == "articles" and workspace_root is not None:
                        batch = [site.articles[n] for n in items]
                        linked.append(linker.submit(copy_sources, batch, workspace_root, tmp))
                    for _ in range(done if tick and kind == "articles" else 0):
                        tick()
                for job in linked:
                    job.result()
        else:
            _init_worker(*init)
            for task in tasks:
                done, found = _run(task)
                report.pages += done
                search_files += found
            copy_theme(tmp)
        report.seconds_pages = time.perf_counter() - start
        if search:
            start = time.perf_counter()
            from kb.search_index import build_search_index

            try:
                report.search_bytes = build_search_index(search_files, tmp, jobs=jobs)
            finally:
                shutil.rmtree(spill, ignore_errors=True)
            report.seconds_search = time.perf_counter() - start
    return report


def _summaries(records_dir: Path, numbers: list[int], jobs: int, out: Path) -> list[Article]:
    """Every record without its text, read on ``jobs`` processes; the saved state of
    the site in ``out`` written from them (in parts, joined here)."""
    parts = out / ".state-parts"
    parts.mkdir()
    chunks = [
        (str(records_dir), numbers[i : i + SUMMARY_BATCH], str(parts / f"{i:09d}"))
        for i in range(0, len(numbers), SUMMARY_BATCH)
    ]
    if jobs == 1:
        found = [a for chunk in chunks for a in _load_summaries(chunk)]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            found = [a for batch in pool.map(_load_summaries, chunks) for a in batch]
    with open(out / STATE, "wb") as state:
        for _, _, part in chunks:
            with open(part, "rb") as lines:
                shutil.copyfileobj(lines, state)
    shutil.rmtree(parts)
    return found


def _tasks(site: Site) -> list[tuple[str, list]]:
    """A full build's work in units of a few hundred pages, article pages first."""
    numbers = sorted(site.articles)
    tasks: list[tuple[str, list]] = [
        ("articles", numbers[i : i + 200]) for i in range(0, len(numbers), 200)
    ]
    pages = site_pages(site)
    return tasks + [("pages", pages[i : i + 500]) for i in range(0, len(pages), 500)]


def _attach_captures(site: Site, root: Path | None) -> None:
    """Let article pages show the capture history of articles archived more than once."""
    if root is None:
        return
    from kb.archive import Workspace

    ws = Workspace(root)
    if ws.captures_path.exists():
        with ws.store() as store:
            site.several_captures = store.numbers_with_several()
        site.workspace_root = ws.root


@contextmanager
def _paused_gc():
    """Loading every article's summary makes hundreds of thousands of small objects and
    no reference cycles; the cyclic collector would rescan the growing heap again and
    again (half the time of loading 224,000 summaries), so it waits, and what was made
    is then left out of its scans (gc.freeze; freeing by reference counts still works)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _state_line(article: Article) -> str:
    return json.dumps(article.to_dict(), ensure_ascii=False) + "\n"


def _write_state(lines: Iterable[str], out: Path) -> None:
    atomic_write(out / STATE, "".join(lines))
    (out / OLD_STATE).unlink(missing_ok=True)


def load_state(out: Path) -> dict[int, tuple[Article, str]] | None:
    """The article summaries the site was last written from, by number, each with its
    line as stored (None: no site to update)."""
    found: dict[int, tuple[Article, str]] = {}
    try:
        with open(out / STATE, encoding="utf-8", newline="\n") as lines:
            for line in lines:
                article = Article.from_dict(json.loads(line))
                found[article.number] = (article, line)
        return found
    except FileNotFoundError:
        pass
    try:
        data = json.loads((out / OLD_STATE).read_bytes())
    except FileNotFoundError:
        return None
    for d in data:
        article = Article.from_dict(d)
        found[article.number] = (article, json.dumps(d, ensure_ascii=False) + "\n")
    return found


def update(
    records_dir: Path,
    out: Path,
    numbers: Iterable[int],
    *,
    workspace_root: Path,
    base_url: str = "",
    search: bool = True,
) -> PublishReport | None:
    """Rewrite only the pages that changed articles touch; None if there is no site yet.

    Touched: each article's page, the pages of what it cites and of what cites it, its
    event, error-code, product and tag pages (before and after the change), the index
    pages and the home page. Its text goes into a small extra Pagefind bundle that the
    search box merges with the main one, so nothing else is re-indexed.
    """
    out = Path(out).resolve()
    with _paused_gc():
        stored = load_state(out)
    if stored is None:
        return None
    old = {n: article for n, (article, _) in stored.items()}
    start = time.perf_counter()
    report = PublishReport()
    numbers = sorted(set(numbers))
    fresh = {
        n: _load(records_dir, n) for n in numbers if (records_dir / f"{kb_id(n)}.json").exists()
    }
    summaries = dict(old)
    for n in numbers:
        summaries.pop(n, None)
        if n in fresh:
            summaries[n] = summary(fresh[n])
    with _paused_gc():
        site = Site.from_records(summaries[n] for n in sorted(summaries))
    _attach_captures(site, workspace_root)
    before = [old[n] for n in numbers if n in old]
    after = [summaries[n] for n in numbers if n in summaries]
    touched_articles: set[int] = set(numbers)
    for article in before + after:
        touched_articles.update(r.number for r in article.related)
        # Who cites an article is unchanged by a change to that article itself.
        touched_articles.update(site.cited_by.get(article.number, []))
    renderer = Renderer(base_url)
    for n in sorted(touched_articles):
        if n in site.articles:
            article = fresh.get(n) or _load(records_dir, n)
            path, html = render_article(site, article, renderer)
        elif n in site.cited_by:
            path = f"kb/{kb_id(n)}/index.html"
            html = render_page(site, renderer, path)
        else:
            continue
        atomic_write(out / path, html)
        report.written.append(path)
    pages = {
        "index.html",
        "events/index.html",
        "errors/index.html",
        "products/index.html",
        "tags/index.html",
    }
    for article in before + after:
        pages.update(
            f"events/{event_source_slug(e.source)}/{e.event_id}/index.html" for e in article.events
        )
        pages.update(f"errors/{code_key(c.code, c.value)}/index.html" for c in article.error_codes)
        pages.update(f"products/{slug(p)}/index.html" for p in article.products)
        if article.tag:
            pages.add(f"tags/{slug(article.tag)}/index.html")
    existing = set(site_pages(site))
    for path in sorted(pages):
        if path in existing:
            atomic_write(out / path, render_page(site, renderer, path))
            report.written.append(path)
        elif (out / path).exists():
            (out / path).unlink()  # an event/code/product nobody mentions any more
            report.written.append(path)
    copy_sources(fresh.values(), workspace_root, out)
    for n in numbers:
        if n in site.articles:
            write_redirects(n, base_url, out)
        else:  # an article no longer archived: its old addresses go to 404.html
            for path, _ in redirect_pages(n, base_url):
                (out / path).unlink(missing_ok=True)
    # Only the changed summaries are converted again; the others are written as read.
    lines = {n: line for n, (_, line) in stored.items()}
    for n in numbers:
        lines.pop(n, None)
        if n in summaries:
            lines[n] = _state_line(summaries[n])
    _write_state((lines[n] for n in sorted(lines)), out)
    report.pages = len(report.written)
    report.articles = len(site.articles)
    report.seconds_pages = time.perf_counter() - start
    if search and fresh:
        from kb.search_index import add_search_bundle, search_record

        start = time.perf_counter()
        report.search_bytes = add_search_bundle([search_record(a) for a in fresh.values()], out)
        report.seconds_search = time.perf_counter() - start
    return report


def write_index_pages(site: Site, renderer: Renderer, out: Path, paths: list[str]) -> int:
    for path in paths:
        _write(os.path.join(out, path), render_page(site, renderer, path))
    return len(paths)


def copy_theme(out: Path) -> None:
    """The theme's static files (CSS, JS), read through the package."""
    (out / "static").mkdir(parents=True, exist_ok=True)
    for item in (THEME / "static").iterdir():
        if item.is_file():
            (out / "static" / item.name).write_bytes(item.read_bytes())


def copy_sources(articles: Iterable[Article], root: Path, out: Path) -> None:
    """Publish each article's capture as text, beside its page (see copy_source)."""
    for article in articles:
        target = source_copy_path(article)
        if target:
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            copy_source(article, root, out)


def copy_source(article: Article, root: Path, out: Path) -> None:
    """The capture an article was read from, as a ``.txt`` file in its page's folder.
    A hard link where the site and the archive share a file system (the archive never
    rewrites a file, so the link stays exact), a copy where they do not."""
    target = source_copy_path(article)
    if not target:
        return
    source, dest = root / article.source.path, out / target
    try:
        try:
            os.link(source, dest)
        except FileExistsError:  # an update: the page's folder has it already
            dest.unlink()
            os.link(source, dest)
    except FileNotFoundError:
        return  # the capture is gone (kb check reports it)
    except OSError:  # another file system, or no hard links
        shutil.copyfile(source, dest)

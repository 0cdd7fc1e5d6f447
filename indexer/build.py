"""Building the index from records, and keeping it in step when records change.

A full build writes a fresh index beside the old one and swaps it in with a rename, so
a crash mid-build leaves the previous index intact. Updates go through Whoosh's own
writer (its segments are committed atomically by a rename of the TOC file). After
either, large new segments get their decoded frequent-term lists (indexer.hotlists)
and every new segment its part of the lookup table (indexer.lookup_table).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from whoosh import analysis, formats, index
from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
from whoosh.compat import dumps
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_uint
from whoosh.util.text import utf8encode
from whoosh.writing import PostingPool, SegmentWriter

from indexer import hotlists, lookup_table
from indexer.hits import event_key, normal_source
from indexer.schema import StemmingTokenizer, make_schema
from kb import codes
from kb.atomic import built_aside
from kb.model import Article

INDEX_NAME = "kb"


def document(article: Article) -> dict:
    """The fields Whoosh stores and indexes for one article."""
    number = article.number
    event_terms: list[str] = []
    for event in article.events:
        event_terms.append(str(event.event_id))
        if event.source:
            event_terms.append(event_key(event.source, event.event_id))
    return {
        "id": article.id,
        "number": number,
        "aliases": " ".join([str(number), *article.aliases]),
        "title": article.title,
        "tag": article.tag or "",
        "products": " ; ".join(article.products),
        "keywords": " ".join(article.keywords),
        "symptoms": article.plain_text(("symptoms",)),
        # The title is part of the body, so plain-word queries match on one field.
        "body": article.title + "\n\n" + article.plain_text(),
        "events": ",".join(dict.fromkeys(event_terms)),
        "sources": ",".join({normal_source(e.source) for e in article.events if e.source}),
        "codes": " ".join(_code_terms(article)),
        "related": " ".join(str(r.number) for r in article.related),
        "modified": article.modified or "",
        "created": article.created or "",
    }


def _code_terms(article: Article) -> list[str]:
    """The printed codes, plus the value of every winerror.h name the text mentions:
    an article that only says RPC_E_CALL_REJECTED is found by 0x80010001 too."""
    terms = [c.code if c.value is None else codes.canonical(c.code)[0] for c in article.error_codes]
    text = article.plain_text()
    terms += [f"0x{value:08x}" for value in codes.names_in_text(text).values()]
    return list(dict.fromkeys(terms))


# ------------------------------------------------------------------- the writer


def _fast_text(field) -> StemmingTokenizer | None:
    """The tokenizer of a positions-keeping text field analysed by our StemmingTokenizer
    alone (title, symptoms, body), for KbSegmentWriter's one-pass path; else None."""
    analyzer = getattr(field, "analyzer", None)
    if (
        type(field.format) is formats.Positions
        and type(analyzer) is analysis.CompositeAnalyzer
        and len(analyzer.items) == 1
        and type(analyzer.items[0]) is StemmingTokenizer
        and not field.vector
        and not field.separate_spelling()
    ):
        return analyzer.items[0]
    return None


class _Lengths:
    """A segment's field lengths for FieldWriter.add_postings, each length column read
    once into a list: Whoosh's per-document reader answers each posting's length by a
    column lookup (and, for a field without lengths, a file-exists check), about a
    third of writing a segment. Same answers: the quantised length, None for 0."""

    def __init__(self, pdr):
        self._pdr = pdr
        self._lists: dict[str, list | None] = {}

    def _list(self, fieldname: str) -> list | None:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        pdr = self._pdr
        if not pdr.has_column(_lenfield(fieldname)):
            return None
        column = pdr.column_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        table = [None] + [byte_to_length(b) for b in range(1, 256)]
        return [table[column[d]] for d in range(pdr.doc_count_all())]

    def of(self, fieldname: str) -> list | None:
        """Each document's length in this field; None if the field keeps no lengths."""
        try:
            return self._lists[fieldname]
        except KeyError:
            lengths = self._lists[fieldname] = self._list(fieldname)
            return lengths

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self.of(fieldname)
        if lengths is None:
            return default
        return lengths[docnum]


def _pool_extend(pool: PostingPool, fieldname: str, items: list[tuple]) -> None:
    """PostingPool.add for each item (same size count, same spills), without its
    per-posting checks: the items are made above, bytes by construction."""
    pool.fieldnames.add(fieldname)
    fixed = 28 + 4 * 5 + 21 + len(fieldname) + 26 + 18 + 16 + 21
    current, limit = pool.current, pool.limit
    for item in items:
        pool.currentsize += fixed + len(item[1]) * 2 + len(item[4])
        if pool.currentsize > limit:
            pool.save()
            current = pool.current
        current.append(item)


class KbSegmentWriter(SegmentWriter):
    """Whoosh's segment writer, with two shortcuts that leave every byte it writes the
    same (tests/test_add_speedpath.py compares the files): the stemmed text fields are
    analysed in one pass (StemmingTokenizer.positions, no token objects), and a
    posting's field length comes from a list instead of a column lookup."""

    def add_document(self, **fields):
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_post = self.pool.add
        pool_type = type(self.pool)

        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        fast = self.__dict__.setdefault("_fast_fields", {})

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if fieldname not in fast:
                    fast[fieldname] = _fast_text(field)
                tokenizer = fast[fieldname]
                if tokenizer is None or not isinstance(value, str):
                    # Anything else: exactly SegmentWriter.add_document's steps.
                    self._add_field(perdocwriter, field, fieldname, value, fields, docboost)
                    continue
                fieldboost = self._field_boost(fields, fieldname, docboost)
                fb = field.format.field_boost
                length = 0
                scorable = field.scorable
                items = []
                for text, poslist in tokenizer.positions(value).items():
                    # Positions.word_values + Field.index + the writer's loop, fused
                    freq = len(poslist)
                    deltas = []
                    base = 0
                    for pos in poslist:
                        deltas.append(pos - base)
                        base = pos
                    vbytes = pack_uint(freq) + dumps(deltas, 2)
                    if scorable:
                        length += freq
                    items.append(
                        (
                            fieldname,
                            utf8encode(text)[0],
                            docnum,
                            float(freq) * fb * fieldboost,
                            vbytes,
                        )
                    )
                if pool_type is PostingPool:
                    _pool_extend(self.pool, fieldname, items)
                else:
                    for item in items:
                        add_post(item)
                _store_field(perdocwriter, field, fieldname, value, fields, length)
        except Exception:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_field(self, perdocwriter, field, fieldname, value, fields, docboost):
        """One field as whoosh.writing.SegmentWriter.add_document adds it."""
        docnum = self.docnum
        add_post = self.pool.add
        length = 0
        if field.indexed:
            fieldboost = self._field_boost(fields, fieldname, docboost)
            items = field.index(value)
            scorable = field.scorable
            for tbytes, freq, weight, vbytes in items:
                weight *= fieldboost
                if scorable:
                    length += freq
                add_post((fieldname, tbytes, docnum, weight, vbytes))
        if field.separate_spelling():
            spellfield = field.spelling_fieldname(fieldname)
            for word in field.spellable_words(value):
                word = utf8encode(word)[0]
                add_post((spellfield, word, 0, 1, vbytes))
        vformat = field.vector
        if vformat:
            vitems = vformat.word_values(value, field.analyzer, mode="index")
            vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
            perdocwriter.add_vector_items(fieldname, field, vitems)
        _store_field(perdocwriter, field, fieldname, value, fields, length)

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        postings = self.pool.iter_postings()
        lengths = _Lengths(pdr) if pdr else None
        if type(self.fieldwriter) is W3FieldWriter:
            _add_postings(self.fieldwriter, self.schema, lengths, postings)
        else:
            self.fieldwriter.add_postings(self.schema, lengths, postings)
        self.fieldwriter.close()
        if pdr:
            pdr.close()


def _store_field(perdocwriter, field, fieldname, value, fields, length) -> None:
    """A field's stored value, length and column, as SegmentWriter.add_document ends
    each field."""
    customval = fields.get(f"_stored_{fieldname}", value)
    sv = customval if field.stored else None
    perdocwriter.add_field(fieldname, field, sv, length)
    column = field.column_type
    if column and customval is not None:
        perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))


def _add_postings(fieldwriter: W3FieldWriter, schema, lengths: _Lengths | None, items) -> None:
    """whoosh.codec.base.FieldWriter.add_postings for Whoosh 3's field writer, with
    W3FieldWriter.add and W3PostingsWriter.add_posting inlined (their type checks left
    out: the postings come from the writer's own pool). Same calls otherwise, so the
    same bytes (tests/test_add_speedpath.py)."""
    lastfn = None
    lasttext = None
    writer = None
    doc_lengths: list | None = None
    for fieldname, btext, docnum, weight, value in items:
        if lastfn is not None and fieldname < lastfn:
            raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
        if fieldname == lastfn and lasttext and btext < lasttext:
            raise OutOfOrderError(f"Term {lastfn}:{lasttext!r} .. {fieldname}:{btext!r}")
        if fieldname != lastfn:
            if lasttext is not None:
                fieldwriter.finish_term()
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            writer = fieldwriter._postwriter
            if type(writer) is not W3PostingsWriter or writer._byteids:
                raise TypeError("not Whoosh 3's postings writer")
            doc_lengths = lengths.of(fieldname) if lengths else None
            lastfn = fieldname
            lasttext = None
        if docnum == -1:  # a spelling word (FieldWriter.add_postings skips them too)
            continue
        if btext != lasttext:
            if lasttext is not None:
                fieldwriter.finish_term()
            fieldwriter.start_term(btext)
            lasttext = btext
        length = 0 if doc_lengths is None else doc_lengths[docnum]
        if value is None:
            value = b""
        # W3PostingsWriter.add_posting:
        if len(writer._ids) >= writer._blocklimit:
            writer._write_block()
        writer._ids.append(docnum)
        writer._weights.append(weight)
        if weight > writer._maxweight:
            writer._maxweight = weight
        if value:
            writer._values.append(value)
        if length:
            minlength = writer._minlength
            if minlength is None or length < minlength:
                writer._minlength = length
            if length > writer._maxlength:
                writer._maxlength = length
    if lasttext is not None:
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


class _SubWriter(SubWriterTask):
    """Whoosh's sub-writer process (multisegment mode), writing with KbSegmentWriter
    and, once its segment is written, that segment's lookup table and (for a large
    segment) frequent-term lists, so they are made on every core instead of one after
    another after the commit (the refresh that follows finds them and skips them)."""

    def run(self):
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = KbSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()
        _write_sidecars(self.storage, writer.schema, segment)
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


def _write_sidecars(storage, schema, segment) -> None:
    """Best effort: a sidecar missing here is written by the refresh after the commit."""
    from whoosh.reading import SegmentReader

    index_dir = Path(storage.folder)
    try:
        reader = SegmentReader(storage, schema, segment)
        try:
            lookup_table.write_segment(index_dir, reader)
            if reader.doc_count_all() >= hotlists.MIN_SEGMENT_DOCS:
                hotlists.write(index_dir, reader)
        finally:
            reader.close()
    except Exception:  # noqa: BLE001, S110 - the refresh writes whatever is missing
        pass


class KbMpWriter(MpWriter, KbSegmentWriter):
    """Whoosh's multi-process writer, one segment per process (multisegment), whose
    processes are _SubWriter."""

    def __init__(self, ix, procs: int, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def cancel(self):
        # MpWriter.cancel flags its copies of the process objects, which the processes
        # never see (they would wait on the job queue for ever): stop them.
        for task in self.tasks:
            task.terminate()
            task.join()
        self.tasks = []
        SegmentWriter.cancel(self)

    def _new_task(self):
        task = _SubWriter(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True
        )
        self.tasks.append(task)
        task.start()
        return task


def _writer(ix, procs: int, limitmb: int):
    # Separate files, not one compound file per segment: whoosh copies a compound
    # segment's parts into memory on open, which costs a cold lookup ~0.15 s.
    if procs > 1:
        return KbMpWriter(ix, procs=procs, batchsize=MP_BATCH, limitmb=limitmb, compound=False)
    return KbSegmentWriter(ix, limitmb=limitmb, compound=False)


def _replace(writer, docs: Iterable[dict]) -> None:
    """``writer.update_document`` for each document, but asking Whoosh's searcher for
    an old document to delete only when the index has a term for one of its unique
    values (a term lookup; the search costs ~1 ms an article on the full index)."""
    reader = writer.searcher().reader()
    unique = [name for name, field in writer.schema.items() if field.unique]
    for doc in docs:
        if any(name in doc and (name, doc[name]) in reader for name in unique):
            writer.update_document(**doc)
        else:
            writer.add_document(**doc)


def rebuild(
    index_dir: Path, articles: Iterable[Article], procs: int = 1, limitmb: int = 256
) -> int:
    """Build a complete new index from ``articles`` and swap it into ``index_dir``."""
    index_dir = Path(index_dir)
    with built_aside(index_dir, prefix=".index-") as tmp:
        ix = index.create_in(tmp, make_schema(), indexname=INDEX_NAME)
        writer = _writer(ix, procs, limitmb)
        count = 0
        try:
            for article in articles:
                writer.add_document(**document(article))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if count:
            hotlists.refresh(tmp, procs)
            lookup_table.refresh(tmp)
    if not count:
        # An index of nothing is no index: Whoosh would open it as a reader without
        # segments, which the sidecars and `kb check` cannot describe.
        shutil.rmtree(index_dir, ignore_errors=True)
    return count


def exists(index_dir: Path) -> bool:
    return index.exists_in(index_dir, indexname=INDEX_NAME)


MP_MIN_DOCS = 200  # below this, starting the writer processes costs more than it saves
MP_BATCH = 50  # documents handed to a writer process at a time (Whoosh: 100); the
# smaller, the less one process waits for the other to finish its last batch


def update(index_dir: Path, articles: Iterable[Article | None], procs: int = 1) -> int:
    """Add or replace these articles' documents in the index (creating it if absent).

    With ``procs`` > 1 and at least MP_MIN_DOCS articles, Whoosh's multi-process writer
    analyses and writes them on that many cores, each into a segment of its own (left
    unmerged: the next small update's merge policy folds small segments together)."""
    index_dir = Path(index_dir)
    items = [a for a in articles if a is not None]
    if not exists(index_dir):
        return rebuild(index_dir, items, procs=procs)
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    writer = _writer(ix, procs if len(items) >= MP_MIN_DOCS else 1, 128)
    try:
        _replace(writer, (document(article) for article in items))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    hotlists.refresh(index_dir)
    lookup_table.refresh(index_dir)
    return len(items)


def indexed_numbers(index_dir: Path) -> set[int]:
    """The article numbers the index holds (live documents only)."""
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        return {fields["number"] for fields in searcher.all_stored_fields()}


def remove(index_dir: Path, numbers: Iterable[int]) -> None:
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    writer = ix.writer()
    for number in numbers:
        writer.delete_by_term("id", f"KB{number}")
    writer.commit()
    hotlists.refresh(index_dir)
    lookup_table.refresh(index_dir)

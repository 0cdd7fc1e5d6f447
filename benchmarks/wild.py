"""Score the readers on real captures found in public repositories (``corpus/wild``).

    python -m benchmarks.wild            # the table and one JSON line
    python -m benchmarks.wild --misses   # also every miss, file by file

Each file is read as ``kb add`` reads it (by content, never by name) and compared with
its hand label (``wild/README.md``): the article number, the title as printed, events,
error codes, related articles and the step count. The floors are issue 9's; the same
scoring backs ``tests/test_wild.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks import corpus
from benchmarks.extraction import Counts, _code_key, compare_sets, found_sets
from kb.model import Article, IngestError
from kb.readers import read_file

WILD = corpus.CORPUS / "wild"

FLOORS = {
    "records": 0.95,
    "title": 0.95,
    "events_f1": 0.90,
    "related_f1": 0.90,
    "codes_recall": 0.85,
    "codes_precision": 0.90,
    "steps": 0.80,
}


def available() -> bool:
    return (WILD / "LABELS.jsonl").is_file()


def load_labels() -> list[dict]:
    lines = (WILD / "LABELS.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _same_title(got: str, want: str) -> bool:
    if not want:
        return True  # the capture prints no title: any honest one will do
    return " ".join(got.split()).casefold() == " ".join(want.split()).casefold()


def read_all(labels: list[dict]) -> list[tuple[dict, Article | None, str | None]]:
    out = []
    for label in labels:
        try:
            out.append((label, read_file(WILD / label["file"]), None))
        except IngestError as exc:
            out.append((label, None, exc.reason))
    return out


def score(results: list[tuple[dict, Article | None, str | None]]) -> tuple[dict, list[str]]:
    n = len(results)
    hits = {"records": 0, "title": 0, "steps": 0}
    events, related, errors = Counts(), Counts(), Counts()
    misses: list[str] = []
    for label, art, reason in results:
        name = label["file"]
        want_ev = {((e["source"] or "").casefold(), e["event_id"]) for e in label["events"]}
        want_rel = {int(r) for r in label["related"]}
        want_err = {_code_key(c) for c in label["error_codes"]}
        if art is None or art.number != label["number"]:
            got = f"record KB{art.number}" if art else f"refused: {reason}"
            misses.append(f"{name}: number {label['number']} wanted, {got}")
            for counts, want in ((events, want_ev), (related, want_rel), (errors, want_err)):
                counts.add(set(), want)
            continue
        hits["records"] += 1
        if _same_title(art.title, label["title"]):
            hits["title"] += 1
        else:
            misses.append(f"{name}: title {art.title!r} (wanted {label['title']!r})")
        if len(art.resolution_steps) == label["steps"]:
            hits["steps"] += 1
        else:
            misses.append(f"{name}: steps {len(art.resolution_steps)} (wanted {label['steps']})")
        got_ev, got_rel, got_err = found_sets(art)
        compare_sets(
            name,
            [
                ("events", got_ev, want_ev, events),
                ("related", got_rel, want_rel, related),
                ("codes", got_err, want_err, errors),
            ],
            misses,
        )
    figures = {key: hits[key] / n for key in hits}
    figures.update(
        {
            "events_f1": events.f1,
            "related_f1": related.f1,
            "codes_recall": errors.recall,
            "codes_precision": errors.precision,
            "files": n,
        }
    )
    return figures, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--misses", action="store_true", help="list every miss")
    parser.add_argument("--dir", type=Path, help="another labelled set of the same form")
    args = parser.parse_args(argv)
    global WILD
    if args.dir:
        WILD = args.dir
    if not available():
        print(f"wild set not found at {WILD}", file=sys.stderr)
        return 2
    figures, misses = score(read_all(load_labels()))
    cols = list(FLOORS)
    print(f"{'set':<10}" + "".join(f"{c:>17}" for c in cols))
    print(f"{'floor':<10}" + "".join(f"{FLOORS[c]:>17.2f}" for c in cols))
    print(f"{'wild':<10}" + "".join(f"{figures[c]:>17.3f}" for c in cols))
    if args.misses:
        for miss in misses:
            print(f"    {miss}")
    print(json.dumps({"benchmark": "wild", "files": figures["files"], "results": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

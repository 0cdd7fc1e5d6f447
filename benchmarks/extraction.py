"""Score extraction against the 40 hand-labelled gold articles (``gold/SPEC.md``).

    python -m benchmarks.extraction            # the plain-text originals
    python -m benchmarks.extraction --markups  # also the same articles in other markups

Prints one table row per input variant with the per-field figures, then one JSON line.
The same scoring backs ``tests/test_gold.py``, which asserts the issue's floors.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from benchmarks import corpus
from kb import codes
from kb.model import Article
from kb.readers import read_bytes

FLOORS = {
    "title": 1.0,
    "sections": 0.90,
    "symptoms": 0.95,
    "steps": 0.90,
    "events_f1": 0.95,
    "related_f1": 0.97,
    "codes_recall": 0.90,
    "codes_precision": 0.90,
}


def load_gold() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(corpus.GOLD.glob("Q*.json"))]


def gold_number(gold: dict) -> int:
    return int(gold["id"].lstrip("Q"))


def plain(markdown: str | None) -> str:
    """Markdown back to collapsed plain text, for prefix comparison."""
    if markdown is None:
        return ""
    text = re.sub(r"^\s*`{3,}\s*$", "", markdown, flags=re.M)
    text = re.sub(r"\\(.)", r"\1", text)
    text = text.replace("**", "")
    return " ".join(text.split())


def _code_key(code: str) -> str:
    # Labels keep some HRESULTs as printed without "0x" ("800706d3"): same value.
    hex_print = re.fullmatch(r"[0-9a-f]{8}", code, re.I) and not code.isdigit()
    values = (
        codes.interpret(code)
        if code.lower().startswith("0x") or code.lstrip("-").isdigit() or hex_print
        else set()
    )
    return str(min(values)) if values else code.lower()


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: set, want: set) -> None:
        self.tp += len(got & want)
        self.fp += len(got - want)
        self.fn += len(want - got)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def compare_sets(name: str, fields: list[tuple[str, set, set, Counts]], misses: list[str]) -> None:
    """Count each field's (got, wanted) sets, and note every difference as a miss."""
    for field, got, want, counts in fields:
        counts.add(got, want)
        if got != want:
            misses.append(
                f"{name}: {field} extra={sorted(got - want, key=str)} "
                f"missing={sorted(want - got, key=str)}"
            )


def found_sets(art: Article) -> tuple[set, set, set]:
    """What a record gives, as the labels are compared: (source, ID) of its events, the
    numbers of its related articles, the keys of its error codes."""
    events = {((e.source or "").casefold(), e.event_id) for e in art.events}
    return events, {r.number for r in art.related}, {_code_key(c.code) for c in art.error_codes}


def score(pairs: Iterable[tuple[dict, Article | None]]) -> tuple[dict[str, float], list[str]]:
    """Per-field figures over (gold, record) pairs, and a list of the misses."""
    n = 0
    hits = {"title": 0, "sections": 0, "symptoms": 0, "steps": 0}
    events, related, errors = Counts(), Counts(), Counts()
    misses: list[str] = []
    for gold, art in pairs:
        n += 1
        gid = gold["id"]
        if art is None:
            misses.append(f"{gid}: no record")
            events.add(set(), {1})
            continue
        checks = {
            "title": art.title == gold["title"].strip(),
            # Headings compared case-insensitively: other markups print "Symptoms".
            "sections": [
                s.heading.casefold()
                for s in art.sections
                if s.kind != "applies_to" and s.heading != "Article"
            ]
            == [h.casefold() for h in gold["sections"]],
            "symptoms": (art.symptoms is None)
            if gold["symptoms_start"] is None
            else plain(art.symptoms).startswith(" ".join(gold["symptoms_start"].split())),
            "steps": len(art.resolution_steps) == gold["resolution_steps"],
        }
        for key, ok in checks.items():
            hits[key] += ok
            if not ok:
                misses.append(f"{gid}: {key}")
        got_ev, got_rel, got_err = found_sets(art)
        want_ev = {((e["source"] or "").casefold(), e["id"]) for e in gold["events"]}
        want_rel = {int(r.lstrip("Q")) for r in gold["related"]}
        want_err = {_code_key(c) for c in gold["error_codes"]}
        compare_sets(
            gid,
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
            "articles": n,
        }
    )
    return figures, misses


def records_for(golds: list[dict], render: Callable[[int, bytes], bytes] | None = None):
    for gold in golds:
        number = gold_number(gold)
        data = corpus.txt_path(number).read_bytes()
        if render:
            data = render(number, data)
        try:
            yield gold, read_bytes(data, gold["id"])
        except Exception as exc:  # noqa: BLE001 - a crash is scored as a miss, and shown
            print(f"{gold['id']}: {exc}", file=sys.stderr)
            yield gold, None


def variants() -> dict[str, Callable[[int, bytes], bytes] | None]:
    from benchmarks import markups

    return {"kb-text": None, **markups.RENDERERS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--markups", action="store_true", help="also score other markups")
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    golds = load_gold()
    chosen = variants() if args.markups else {"kb-text": None}
    results = {}
    cols = [
        "title",
        "sections",
        "symptoms",
        "steps",
        "events_f1",
        "related_f1",
        "codes_recall",
        "codes_precision",
    ]
    print(f"{'variant':<20}" + "".join(f"{c:>16}" for c in cols))
    print(f"{'floor':<20}" + "".join(f"{FLOORS.get(c, 0):>16.2f}" for c in cols))
    for name, render in chosen.items():
        figures, misses = score(records_for(golds, render))
        results[name] = figures
        print(f"{name:<20}" + "".join(f"{figures[c]:>16.3f}" for c in cols))
        if args.misses:
            for miss in misses:
                print(f"    {miss}")
    print(json.dumps({"benchmark": "extraction", "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

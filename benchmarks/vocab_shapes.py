"""Corpora of other shapes made from a simulated one, with their truth kept valid.

    python benchmarks/vocab_shapes.py made-up s.jsonl made.jsonl   # another language
    python benchmarks/vocab_shapes.py stock s.jsonl stock.jsonl    # court-report stock phrases

``made-up``: every word (a run of ASCII letters) becomes a made-up word of the same length, the
same one wherever it occurs (case kept letter by letter), never an English stopword: a corpus in
a language tracer has no list for. Lengths are kept, so the truth's offsets stay valid, and the
mapping is one to one, so planted reuse stays reuse.

``stock``: a share of the articles (``--share``, default 0.2) get one more paragraph, a sentence
made of one of a few stock phrases of court and police reports between words of their own
("Smith pleaded guilty at Chester Crown Court to ..."): unrelated articles then share 6-9 word
phrases that are not reuse. Each goes in at a paragraph break outside the article's truth spans,
and the truth's offsets after it are moved on.

Each writes the corpus and ``<out>.truth.json`` beside it; score them with ``tracer run`` and
``tracer eval --truth``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
from pathlib import Path

from tracer.text import STOPWORDS
from tracer.tools.simulate import truth_path_for

_WORD = re.compile(r"[A-Za-z]+")
STOCK = (
    "pleaded guilty at Chester Crown Court to",
    "during the two-week trial the court heard that",
    "was remanded in custody to appear before magistrates over",
    "a spokesperson for the force said inquiries were continuing into",
    "the family paid tribute to a much-loved father after",
    "anyone with information is asked to contact police about",
)


def made_up(src: Path, out: Path, seed: int) -> None:
    rng = random.Random(seed)
    mapping: dict[str, str] = {}
    taken = set(STOPWORDS)

    def new_word(low: str) -> str:
        got = mapping.get(low)
        if got is None:
            for _ in range(1000):
                got = "".join(rng.choice(string.ascii_lowercase) for _ in low)
                if got not in taken:
                    break
            else:  # pragma: no cover - only one-letter words can run short
                raise SystemExit(f"no made-up word left for {low!r}")
            taken.add(got)
            mapping[low] = got
        return got

    def swap(m: re.Match[str]) -> str:
        word = m.group()
        made = new_word(word.lower())
        return "".join(c.upper() if w.isupper() else c for c, w in zip(made, word, strict=True))

    with src.open(encoding="utf-8") as f, out.open("w", encoding="utf-8") as g:
        for line in f:
            rec = json.loads(line)
            for key in ("text", "title"):
                if rec.get(key):
                    rec[key] = _WORD.sub(swap, rec[key])
            g.write(json.dumps(rec) + "\n")
    truth_path_for(out).write_text(truth_path_for(src).read_text(encoding="utf-8"), encoding="utf-8")


def stock(src: Path, out: Path, seed: int, share: float) -> None:
    rng = random.Random(seed)
    truth = json.loads(truth_path_for(src).read_text(encoding="utf-8"))
    spans: dict[str, list[tuple[int, int]]] = {}
    for claim in truth["claims"]:
        for m in claim["members"]:
            spans.setdefault(m["article"], []).append((m["start"], m["end"]))
    shifts: dict[str, tuple[int, int]] = {}  # article -> (where, by how much)
    records = []
    with src.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            records.append(rec)
            text = rec["text"]
            if rng.random() >= share:
                continue
            inside = spans.get(rec["id"], [])
            breaks = [
                m.start() for m in re.finditer("\n\n", text) if not any(a < m.start() < b for a, b in inside)
            ]
            if not breaks:
                continue
            words = [w for w in _WORD.findall(text) if len(w) > 3]
            names = [w for w in words if w[0].isupper()] or ["Smith"]
            phrase = rng.choice(STOCK)
            tail = " ".join(rng.choice(words).lower() for _ in range(rng.randint(3, 7)))
            sentence = f"{rng.choice(names)} {phrase} {tail}."
            sentence = sentence[0].upper() + sentence[1:]
            at = rng.choice(breaks)
            rec["text"] = text[:at] + "\n\n" + sentence + text[at:]
            shifts[rec["id"]] = (at, len(sentence) + 2)

    def moved(article: str, offset: int) -> int:
        at, by = shifts.get(article, (1 << 62, 0))
        return offset + by if offset >= at else offset

    for claim in truth["claims"]:
        for m in claim["members"]:
            m["start"], m["end"] = moved(m["article"], m["start"]), moved(m["article"], m["end"])
    for s in truth["spans"]:
        for side in ("source", "target"):
            s[f"{side}_start"] = moved(s[side], s[f"{side}_start"])
            s[f"{side}_end"] = moved(s[side], s[f"{side}_end"])
    with out.open("w", encoding="utf-8") as g:
        for rec in records:
            g.write(json.dumps(rec) + "\n")
    truth_path_for(out).write_text(json.dumps(truth), encoding="utf-8")
    print(f"{len(shifts)} of {len(records)} articles given a stock phrase")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shape", choices=("made-up", "stock"))
    parser.add_argument("src", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--share", type=float, default=0.2)
    args = parser.parse_args()
    if args.shape == "made-up":
        made_up(args.src, args.out, args.seed)
    else:
        stock(args.src, args.out, args.seed, args.share)


if __name__ == "__main__":
    main()

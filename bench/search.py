"""``python -m bench.search``: artist name search on the served model's catalogue.

For a fixed set of queries a person types (misspelt, unaccented, unpunctuated), the top 3
names returned and whether the intended artist is among them, and the latency per query
(median and p99 over repeated runs, one core). The catalogue is the one the API serves: the
items table of the model ``CURRENT`` names in ``TUNEDIN_ARTIFACTS``.

Writes ``bench/results/search.json`` and ``bench/results/search.md``.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd

from tunedin_api.model.catalogue import Catalogue
from tunedin_common.contract import MODEL_ITEMS_FILE, ArtifactStore, atomic_write_bytes, utcnow

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 200
# (what a person types, the artist they mean)
QUERIES = [
    ("bjork", "Björk"),
    ("beyonce", "Beyoncé"),
    ("sigur ros", "Sigur Rós"),
    ("acdc", "AC/DC"),
    ("radiohed", "Radiohead"),
    ("metalica", "Metallica"),
    ("the beatles", "The Beatles"),
    ("daft punk", "Daft Punk"),
    ("lady gaga", "Lady Gaga"),
    ("britny spears", "Britney Spears"),
    ("motley crue", "Mötley Crüe"),
    ("a", None),
    ("the", None),
]


def _catalogue(store: ArtifactStore) -> tuple[str, Catalogue]:
    model_id = store.read_current()
    if model_id is None:
        raise SystemExit(f"no model is published in {store.root}: run make pipeline first")
    return model_id, Catalogue.from_items(pd.read_parquet(store.model_dir(model_id) / MODEL_ITEMS_FILE))


def measure(catalogue: Catalogue, query: str, meant: str | None) -> dict[str, Any]:
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        rows = catalogue.search(query, 10)
        timings.append(time.perf_counter() - start)
    top = [catalogue.names[row] for row in rows[:3]]
    timings.sort()
    return {
        "query": query,
        "meant": meant,
        "top3": top,
        "found_in_top3": None if meant is None else meant in top,
        "median_ms": round(statistics.median(timings) * 1000, 3),
        "p99_ms": round(timings[int(0.99 * (len(timings) - 1))] * 1000, 3),
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Artist name search",
        "",
        f"Model {result['model_id']} ({result['n_artists']} artists), {REPEATS} runs per query, "
        f"limit 10. Made by `make bench-search` on {result['measured_at']}.",
        "",
        "| query | meant | top 3 | in top 3 | median ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["queries"]:
        found = "" if row["found_in_top3"] is None else ("yes" if row["found_in_top3"] else "**no**")
        lines.append(
            f"| {row['query']} | {row['meant'] or ''} | {', '.join(row['top3'])} | {found} "
            f"| {row['median_ms']} | {row['p99_ms']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    store = ArtifactStore(os.environ.get("TUNEDIN_ARTIFACTS", "artifacts"))
    model_id, catalogue = _catalogue(store)
    rows = [measure(catalogue, query, meant) for query, meant in QUERIES]
    result = {
        "model_id": model_id,
        "n_artists": len(catalogue),
        "measured_at": utcnow().isoformat(),
        "queries": rows,
        "found_in_top3": sum(1 for r in rows if r["found_in_top3"]),
        "with_a_meaning": sum(1 for r in rows if r["meant"] is not None),
        "worst_p99_ms": max(r["p99_ms"] for r in rows),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(
        RESULTS / "search.json", (json.dumps(result, indent=2, ensure_ascii=False) + "\n").encode()
    )
    atomic_write_bytes(RESULTS / "search.md", markdown(result).encode())
    print(markdown(result))


if __name__ == "__main__":
    main()

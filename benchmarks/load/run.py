"""Load throughput: a generated JSON Lines file of N OpenAlex-shaped works through `load`.

    python benchmarks/load/run.py [--records 1000000] [--threads 2]

Reports input MB/s and records/s for the whole load step (reading, raw table, JSON parsing,
canonical projection, identifier clean-up, duplicate check) on this machine.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources

WORDS = ("deep learning graph neural network transformer attention retrieval protein folding "
         "quantum error correction causal inference bayesian optimisation reinforcement policy "
         "gradient sparse matrix language model vision segmentation").split()


def write_corpus(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize()
            words = title.lower().split()
            work = {
                "id": f"https://openalex.org/W{1000000 + i}", "title": title, "display_name": title,
                "publication_year": rng.randint(1990, 2025), "publication_date": "2020-01-01",
                "doi": f"https://doi.org/10.{rng.randint(1000, 9999)}/x{i}" if rng.random() < 0.7 else None,
                "type": "article",
                "authorships": [{"author": {"display_name": f"Author {rng.randint(1, 50000)}"},
                                 "raw_author_name": "A. Author"} for _ in range(rng.randint(1, 6))],
                "primary_location": {"source": {"display_name": "Journal of Things"}, "landing_page_url": f"https://example.org/{i}"},
                "biblio": {"volume": "3", "issue": "1", "first_page": "1", "last_page": "9"},
                "abstract_inverted_index": {w: [k] for k, w in enumerate(words)},
                "locations": [{"landing_page_url": f"https://example.org/{i}", "id": f"mag:{i}"}],
            }
            fh.write(json.dumps(work) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "openalex.jsonl"
        write_corpus(path, args.records)
        size_mb = path.stat().st_size / 1e6
        con = connect(Path(tmp) / "bench.duckdb", threads=args.threads)
        start = time.perf_counter()
        counts = load_sources(con, [SourceSpec(name="openalex", format="openalex", paths=[str(path)])])
        seconds = time.perf_counter() - start
        c = counts["openalex"]
        print(f"records {c.loaded:,} loaded, {c.rejected:,} rejected; input {size_mb:,.0f} MB; "
              f"{seconds:.1f} s; {size_mb / seconds:,.1f} MB/s; {c.input / seconds:,.0f} records/s "
              f"({args.threads} threads)")


if __name__ == "__main__":
    main()

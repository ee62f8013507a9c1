"""Load throughput: a generated JSON Lines file of N OpenAlex works through `load`.

    python benchmarks/load/run.py [--records 1000000] [--shape snapshot|compact] [--threads 2]

``--shape snapshot`` (default) writes records shaped like OpenAlex snapshot works: every
top-level field a real work has (authorships with institutions and affiliations, locations,
concepts, topics, referenced and related works, counts by year, a ~150-word abstract as an
inverted index), 15–20 KB each, as the works in ../shared/fixtures/sources/openalex are.
``--shape compact`` writes ~1 KB records with only the fields paperlink reads (the shape this
benchmark used before): per-record work dominates there, so it gives the lower bound of MB/s.

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
SYLLABLES = "ka lo mi ne ra su ti ve an el or un is at ex pro con tra met syn gen bio log".split()


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def compact_work(rng: random.Random, i: int) -> str:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 12))).capitalize()
    words = title.lower().split()
    return json.dumps({  # (with json.dumps' default separators, as this benchmark always wrote them)
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
    })


class SnapshotWorks:
    """OpenAlex snapshot works, built from pools of pre-serialised parts (fast to write)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.vocabulary = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))
                                  for _ in range(6000)})
        self.authorships = [self._authorship(k) for k in range(3000)]
        self.concepts = [_dumps(self._concept(k)) for k in range(2000)]
        self.topics = [_dumps(self._topic(k)) for k in range(500)]
        self.sources = [self._source(k) for k in range(300)]

    def _name(self) -> str:
        return " ".join(w.capitalize() for w in self.rng.sample(self.vocabulary, 2))

    def _authorship(self, k: int) -> str:
        inst = {"id": f"https://openalex.org/I{40000 + k}", "display_name": f"University of {self._name()}",
                "ror": f"https://ror.org/0{k:08x}", "country_code": "US", "type": "education",
                "lineage": [f"https://openalex.org/I{40000 + k}"]}
        affiliation = f"Department of {self._name()}, University of {self._name()}, Springfield, USA"
        return _dumps({
            "author_position": "middle",
            "author": {"id": f"https://openalex.org/A{5000000 + k}", "display_name": self._name(),
                       "orcid": f"https://orcid.org/0000-0002-{k:04d}-{k % 9000 + 1000}"},
            "institutions": [inst], "countries": ["US"], "is_corresponding": False,
            "raw_author_name": self._name(), "raw_affiliation_strings": [affiliation],
            "affiliations": [{"raw_affiliation_string": affiliation, "institution_ids": [inst["id"]]}],
        })

    def _concept(self, k: int) -> dict:
        return {"id": f"https://openalex.org/C{2700000 + k}", "wikidata": f"https://www.wikidata.org/wiki/Q{1000 + k}",
                "display_name": self._name(), "level": k % 4, "score": round(self.rng.random(), 6)}

    def _topic(self, k: int) -> dict:
        def part(kind, n):
            return {"id": f"https://openalex.org/{kind}/{n}", "display_name": self._name()}
        return {"id": f"https://openalex.org/T{10000 + k}", "display_name": self._name().lower(),
                "score": round(self.rng.random(), 4), "subfield": part("subfields", 1000 + k % 300),
                "field": part("fields", 10 + k % 26), "domain": part("domains", 1 + k % 4)}

    def _source(self, k: int) -> dict:
        return {"id": f"https://openalex.org/S{1900000000 + k}", "display_name": f"Journal of {self._name()}",
                "issn_l": f"{1000 + k}-{k % 9000 + 1000}", "issn": [f"{1000 + k}-{k % 9000 + 1000}"], "is_oa": k % 2 == 0,
                "is_in_doaj": False, "is_indexed_in_scopus": True, "is_core": True,
                "host_organization": f"https://openalex.org/P{4310000000 + k}",
                "host_organization_name": f"{self._name()} Press",
                "host_organization_lineage": [f"https://openalex.org/P{4310000000 + k}"],
                "host_organization_lineage_names": [f"{self._name()} Press"], "type": "journal"}

    def _location(self, i: int, doi: str | None, source: dict) -> dict:
        return {"is_oa": True, "landing_page_url": f"https://doi.org/{doi}" if doi else f"https://example.org/{i}",
                "pdf_url": f"https://example.org/{i}.pdf", "source": source, "license": "cc-by",
                "license_id": "https://openalex.org/licenses/cc-by", "version": "publishedVersion",
                "is_accepted": True, "is_published": True}

    def work(self, i: int) -> str:
        rng = self.rng
        title = " ".join(rng.choice(self.vocabulary) for _ in range(rng.randint(5, 14))).capitalize()
        year = rng.randint(1990, 2025)
        doi = f"10.{rng.randint(1000, 9999)}/x{i}" if rng.random() < 0.7 else None
        abstract = [rng.choice(self.vocabulary) for _ in range(rng.randint(60, 250))] if rng.random() < 0.8 else []
        inverted: dict[str, list[int]] = {}
        for position, word in enumerate(abstract):
            inverted.setdefault(word, []).append(position)
        locations = [self._location(i, doi, rng.choice(self.sources)) for _ in range(rng.randint(1, 4))]
        work_id = f"https://openalex.org/W{1000000 + i}"
        head = {
            "id": work_id, "doi": f"https://doi.org/{doi}" if doi else None, "title": title, "display_name": title,
            "publication_year": year, "publication_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "ids": {"openalex": work_id, "doi": f"https://doi.org/{doi}" if doi else None, "mag": str(2000000000 + i),
                    "pmid": f"https://pubmed.ncbi.nlm.nih.gov/{30000000 + i}" if rng.random() < 0.2 else None},
            "language": "en", "primary_location": locations[0], "type": "article", "type_crossref": "journal-article",
            "indexed_in": ["crossref", "doaj"],
            "open_access": {"is_oa": True, "oa_status": "gold", "oa_url": locations[0]["pdf_url"],
                            "any_repository_has_fulltext": False},
        }
        tail = {
            "institutions_distinct_count": 3, "countries_distinct_count": 1, "corresponding_author_ids": [],
            "apc_list": {"value": 1000, "currency": "USD", "value_usd": 1000},
            "apc_paid": {"value": 1000, "currency": "USD", "value_usd": 1000}, "fwci": round(rng.random() * 5, 3),
            "has_fulltext": False, "cited_by_count": rng.randint(0, 500),
            "citation_normalized_percentile": {"value": round(rng.random(), 4), "is_in_top_1_percent": False,
                                               "is_in_top_10_percent": False},
            "cited_by_percentile_year": {"min": 80, "max": 90},
            "biblio": {"volume": str(rng.randint(1, 80)), "issue": str(rng.randint(1, 12)),
                       "first_page": str(rng.randint(1, 900)), "last_page": str(rng.randint(901, 999))},
            "is_retracted": False, "is_paratext": False, "locations_count": len(locations), "locations": locations,
            "best_oa_location": locations[0], "sustainable_development_goals": [], "grants": [], "datasets": [],
            "versions": [], "referenced_works_count": 0, "mesh": [],
            "referenced_works": [f"https://openalex.org/W{rng.randint(1000000, 4000000000)}"
                                 for _ in range(rng.randint(10, 60))],
            "related_works": [f"https://openalex.org/W{rng.randint(1000000, 4000000000)}" for _ in range(10)],
            "abstract_inverted_index": inverted or None,
            "cited_by_api_url": f"https://api.openalex.org/works?filter=cites:W{1000000 + i}",
            "counts_by_year": [{"year": y, "cited_by_count": rng.randint(0, 50)} for y in range(2025, 2015, -1)],
            "updated_date": "2025-06-01T12:00:00.000000", "created_date": "2016-06-24",
        }
        parts = [_dumps(head)[:-1],
                 '"authorships":[' + ",".join(rng.sample(self.authorships, rng.randint(1, 12))) + "]",
                 '"concepts":[' + ",".join(rng.sample(self.concepts, rng.randint(5, 15))) + "]",
                 '"topics":[' + ",".join(rng.sample(self.topics, 3)) + "]",
                 _dumps(tail)[1:]]
        return ",".join(parts)


def write_corpus(path: Path, n: int, shape: str = "snapshot", seed: int = 1) -> None:
    rng = random.Random(seed)
    make = (lambda i: compact_work(rng, i)) if shape == "compact" else SnapshotWorks(rng).work
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(make(i) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--shape", choices=["snapshot", "compact"], default="snapshot")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="write the corpus here (reused if present) instead of a temporary folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"openalex-{args.shape}-{args.records}.jsonl"
        if not path.exists():
            start = time.perf_counter()
            write_corpus(path, args.records, args.shape)
            print(f"wrote {path} in {time.perf_counter() - start:.0f} s")
        size_mb = path.stat().st_size / 1e6
        con = connect(Path(tmp) / "bench.duckdb", threads=args.threads)
        start = time.perf_counter()
        counts = load_sources(con, [SourceSpec(name="openalex", format="openalex", paths=[str(path)])])
        seconds = time.perf_counter() - start
        c = counts["openalex"]
        print(f"{args.shape} records: {c.loaded:,} loaded, {c.rejected:,} rejected; input {size_mb:,.0f} MB "
              f"({size_mb * 1e3 / max(c.input, 1):.1f} KB per record); {seconds:.1f} s; {size_mb / seconds:,.1f} MB/s; "
              f"{c.input / seconds:,.0f} records/s ({args.threads} threads)")


if __name__ == "__main__":
    main()

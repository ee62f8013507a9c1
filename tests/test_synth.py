"""The synthetic corpus: deterministic, native shapes, complete gold, hard negatives, loadable."""

from __future__ import annotations

import csv
import gzip
import html.entities
import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

import paperlink.synth
from paperlink.synth import SOURCES, generate

WORKS = 500
SEED = 7


@pytest.fixture(autouse=True, scope="module")
def small_shards():
    """Three shards, so that shard assembly (gzip members, array separators, ids) is exercised."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(paperlink.synth, "SHARD_WORKS", 250)
        yield


@pytest.fixture(scope="module")
def corpus(small_shards, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth")
    return out, generate(WORKS, out, seed=SEED, processes=1)


def read_gold(path: Path) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["record_id"]: row["entity_id"] for row in csv.DictReader(fh)}


def native_records(out: Path) -> dict[str, list[tuple[str, str]]]:
    """(record id, title) of every record, read with plain parsers of each native format."""
    def jsonl(name):
        opener = gzip.open if name.endswith(".gz") else open
        with opener(out / name, "rt", encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    dblp_text = (out / "dblp.xml").read_bytes().decode("iso-8859-1")
    assert dblp_text.isascii()  # non-ASCII only as entities / character references
    # named entities come from dblp.dtd in the real dump; resolve them as the loader does
    dblp_text = re.sub(r"&([A-Za-z]+);", lambda m: m.group(0) if m.group(1) in ("amp", "lt", "gt")
                       else f"&#{html.entities.name2codepoint[m.group(1)]};", dblp_text)
    dblp = ET.fromstring(dblp_text.split("\n", 2)[2])  # past the XML declaration and DOCTYPE
    assert dblp.tag == "dblp" and {e.tag for e in dblp} <= {"article", "inproceedings"}
    with open(out / "paperswithcode.json", encoding="utf-8") as fh:
        pwc = json.load(fh)
    assert isinstance(pwc, list)
    return {
        "openalex": [(r["id"].rsplit("/", 1)[1], r["display_name"]) for r in jsonl("openalex.jsonl.gz")],
        "crossref": [(r["DOI"], r["title"][0]) for r in jsonl("crossref.jsonl.gz")],
        "semantic_scholar": [(f"CorpusId:{r['corpusid']}", r["title"]) for r in jsonl("semantic_scholar.jsonl.gz")],
        "arxiv": [(r["id"], r["title"]) for r in jsonl("arxiv.jsonl")],
        "paperswithcode": [(r["paper_url"].rsplit("/", 1)[1], r["title"]) for r in pwc],
        "dblp": [(e.get("key"), "".join(e.find("title").itertext())) for e in dblp],
    }


def test_deterministic_whatever_the_processes(corpus, tmp_path):
    out, counts = corpus
    again = generate(WORKS, tmp_path, seed=SEED, processes=2)
    assert again == counts
    for name in counts["files"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    other = tmp_path / "other"
    generate(WORKS, other, seed=SEED + 1, processes=1)
    assert (other / "gold.csv").read_bytes() != (out / "gold.csv").read_bytes()


def test_native_shapes(corpus):
    out, counts = corpus
    assert set(counts["files"]) == {p.name for p in out.iterdir()}
    with gzip.open(out / "openalex.jsonl.gz", "rt", encoding="utf-8") as fh:
        work = json.loads(fh.readline())
    assert re.fullmatch(r"https://openalex\.org/W\d+", work["id"])
    assert {"authorships", "biblio", "primary_location", "locations", "abstract_inverted_index"} <= set(work)
    with gzip.open(out / "crossref.jsonl.gz", "rt", encoding="utf-8") as fh:
        item = json.loads(fh.readline())
    assert item["DOI"].startswith("10.") and isinstance(item["title"], list) and "date-parts" in item["issued"]
    with gzip.open(out / "semantic_scholar.jsonl.gz", "rt", encoding="utf-8") as fh:
        paper = json.loads(fh.readline())
    assert isinstance(paper["corpusid"], int) and "externalids" in paper and "paperId" not in paper
    with open(out / "arxiv.jsonl", encoding="utf-8") as fh:
        eprint = json.loads(fh.readline())
    assert eprint["versions"][0]["version"] == "v1" and eprint["authors_parsed"][0][2] == ""
    records = native_records(out)
    assert {name: len(recs) for name, recs in records.items()} == counts["records"]


def test_gold_covers_every_record(corpus):
    out, counts = corpus
    gold = read_gold(out / "gold.csv")
    written = [f"{name}:{rid}" for name, recs in native_records(out).items() for rid, _ in recs]
    assert len(written) == len(set(written)) == counts["records_total"]
    assert set(written) == set(gold)
    sizes = Counter(gold.values())
    assert len(sizes) == WORKS
    assert sum(n * (n - 1) // 2 for n in sizes.values()) == counts["gold_pairs"]


def test_variation_and_hard_negatives(corpus):
    out, _ = corpus
    gold = read_gold(out / "gold.csv")
    titles_by_entity: dict[str, set[str]] = defaultdict(set)
    for name, recs in native_records(out).items():
        for rid, title in recs:
            titles_by_entity[gold[f"{name}:{rid}"]].add(title)
    entities_by_title: dict[str, set[str]] = defaultdict(set)
    for entity, titles in titles_by_entity.items():
        for t in titles:
            entities_by_title[t.lower().rstrip(".")].add(entity)
    shared = {t for t, es in entities_by_title.items() if len(es) > 1}
    assert shared, "distinct works sharing a title"
    all_titles = list(entities_by_title)
    errata = [t for t in all_titles if re.match(r"(erratum|correction|corrigendum|publisher correction|author correction)", t)]
    parts = [t for t in all_titles if re.search(r"part (ii|2)$", t)]
    assert errata and parts
    for t in errata:  # the erratum is a different work from the corrected one
        corrected = re.sub(r'^[^:"]*(:|to)\s*"?|"$', "", t).strip()
        corrected = re.sub(r"\s*\[.*\]$", "", corrected)
        if corrected in entities_by_title:
            assert not entities_by_title[corrected] & entities_by_title[t]
    all_text = "\n".join(t for ts in titles_by_entity.values() for t in ts)
    assert "$" in all_text and ("<sub>" in all_text or "<i>" in all_text)  # TeX (arXiv), markup
    assert any(len(ts) > 1 for ts in titles_by_entity.values())  # one work, differing titles


def test_job_file(corpus):
    from paperlink.config import load_job

    out, _ = corpus
    job = load_job(out / "job.toml")
    assert [(s.name, s.format) for s in job.sources] == [(n, n) for n in SOURCES]
    assert all(f.exists() for s in job.sources for f in s.files())


def test_real_loaders_load_exactly_the_gold_records(corpus):
    from paperlink.db import connect
    from paperlink.records.load import SourceSpec, load_sources
    from paperlink.sources import FORMATS

    out, _ = corpus
    missing = [name for name in SOURCES if name not in FORMATS]
    if missing:
        pytest.skip(f"no loader yet for {', '.join(missing)}")
    con = connect()
    load_sources(con, [SourceSpec(name=n, format=n, paths=[str(out / cls.filename)]) for n, cls in SOURCES.items()])
    assert con.execute("SELECT count(*) FROM rejected_records").fetchone()[0] == 0
    loaded = {r[0] for r in con.execute("SELECT record_id FROM records").fetchall()}
    assert loaded == set(read_gold(out / "gold.csv"))


def test_title_vocabulary_has_a_long_tail(corpus):
    """Titles carry specific terms from a large Zipfian lexicon: a few are common, most are rare."""
    from paperlink.synth.vocab import LEXICON_SIZE, lexicon_word

    sample = range(0, LEXICON_SIZE, 997)
    assert len({lexicon_word(r) for r in sample}) == len(sample)  # one word per rank
    out, _ = corpus
    gold = read_gold(out / "gold.csv")
    words_by_entity: dict[str, set[str]] = defaultdict(set)
    for name, recs in native_records(out).items():
        for rid, title in recs:
            words_by_entity[gold[f"{name}:{rid}"]].update(title.lower().split())
    works = Counter(w for words in words_by_entity.values() for w in words)  # works per word
    assert any(works[lexicon_word(r).lower()] >= 10 for r in range(20))  # common terms
    assert sum(1 for n in works.values() if n == 1) > len(works) / 3  # many words: in one work only

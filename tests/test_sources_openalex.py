"""OpenAlex: works API (single work, `results` pages) and snapshot JSON Lines (.gz)."""

import gzip
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
HERE = SHARED / "fixtures" / "sources" / "openalex"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="openalex", paths=[str(p) for p in paths])])["openalex"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    rows = cur.fetchall()
    assert rows, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], rows[0]))


@needs_shared
def test_all_fixture_files_load():
    con, counts = load(HERE / "*")
    assert (counts.files, counts.loaded, counts.rejected) == (12, 16, 0)


@needs_shared
def test_arxiv_doi_becomes_arxiv_id_not_publisher_doi():
    con, _ = load(HERE / "openalex_works_api_title_search_chemcrow.json")
    preprint = record(con, "W4365597205")
    assert preprint["arxiv_id"] == "2304.05376"
    assert preprint["doi"] is None
    journal = record(con, "W4396723768")
    assert journal["doi"] == "10.1038/s42256-024-00832-8"
    assert journal["pmid"] == "38799228"


@needs_shared
def test_abstract_rebuilt_from_inverted_index_and_arxiv_from_locations():
    con, _ = load(HERE / "openalex_work_api_W2626778328_attention.json")
    r = record(con, "W2626778328")
    assert r["abstract"].startswith("The dominant sequence transduction models are based on")
    assert r["arxiv_id"] == "1706.03762"  # from locations (OAI id / arxiv.org URL)
    assert "Łukasz Kaiser" in r["authors"]


def test_snapshot_jsonl_gz(tmp_path):
    works = [{"id": f"https://openalex.org/W{i}", "title": f"Work {i}", "publication_year": 2020 + i,
              "doi": f"https://doi.org/10.1234/ABC.{i}",
              "authorships": [{"author": {"display_name": "Ada Lovelace"}}],
              "abstract_inverted_index": {"hello": [0, 2], "world": [1]}} for i in range(3)]
    path = tmp_path / "works.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(json.dumps(w) for w in works) + "\n")
    con, counts = load(path)
    assert (counts.loaded, counts.rejected) == (3, 0)
    r = record(con, "W1")
    assert (r["doi"], r["year"], r["abstract"], r["authors"]) == ("10.1234/abc.1", 2021, "hello world hello", ["Ada Lovelace"])


@pytest.mark.parametrize("index, abstract", [
    ({"b": [1], "a": [0, 2]}, "a b a"),
    ({"gap": [7], "first": [3]}, "first gap"),  # positions need not be consecutive
    ('{"a": [0], "b": [2], "a": [1]}', "a a b"),  # a key given twice keeps both
    ({"é\"q": [1], "x": [0]}, 'x é"q'),  # escaped keys are decoded
    ({"a": [None, 1], "b": [0], "c": [-1], "d": "x"}, "b a"),  # positions that are not positions are dropped
    ({}, None), ([0, 1], None), ({"a": []}, None),
])
def test_abstract_from_inverted_index_edge_cases(index, abstract):
    con = connect()
    text = index if isinstance(index, str) else json.dumps(index)
    assert con.execute("SELECT pl_abstract_from_inverted_index(?::JSON)", [text]).fetchone()[0] == abstract

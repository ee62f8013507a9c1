"""fatcat / IA Scholar: release entities (API, bulk export JSONL) and Elasticsearch search pages."""

import gzip
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources" / "fatcat"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

ARXIV_RELEASE = {
    "ident": "aaaaaaaaaaaaaaaaaaaaaaaaai", "state": "active", "work_id": "wwwwwwwwwwwwwwwwwwwwwwwwwi",
    "title": "Half-Inverse Gradients for Physical Deep Learning",
    "release_type": "article", "release_stage": "submitted", "release_date": "2022-03-18", "release_year": 2022,
    "ext_ids": {"arxiv": "2203.10131v2"},
    "contribs": [
        {"index": 0, "raw_name": "Patrick Schnell", "role": "author"},
        {"index": 1, "given_name": "Philipp", "surname": "Holl", "role": "author"},
        {"raw_name": "Some Editor", "role": "editor"},
    ],
    "abstracts": [
        {"mimetype": "application/xml+jats", "content": "<jats:p>JATS text</jats:p>"},
        {"mimetype": "text/plain", "content": "Plain text."},
    ],
}


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="fatcat", format=fmt, paths=[str(p) for p in paths])])["fatcat"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


@needs_shared
@pytest.mark.parametrize(
    "file, loaded",
    [("fatcat_release_api_expanded_state_of_oa.json", 1), ("fatcat_release_search_elasticsearch_page.json", 10)],
)
def test_fixture_files_load_by_auto_detection(file, loaded):
    assert detect_format(FIXTURES / file).name == "fatcat"
    con, counts = load(FIXTURES / file)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, 0)


@needs_shared
def test_expanded_release_values():
    con, _ = load(FIXTURES / "fatcat_release_api_expanded_state_of_oa.json")
    rec = records(con)["hsmo6p4smrganpb3fndaj2lon4"]
    assert rec["title"].startswith("The state of OA: a large-scale analysis")
    assert (rec["doi"], rec["pmid"], rec["venue"], rec["pages"]) == ("10.7717/peerj.4375", "29456894", "PeerJ", "e4375")
    assert (rec["year"], rec["publication_date"], rec["work_type"]) == (2018, "2018-02-13", "article-journal")
    assert rec["authors"][:2] == ["Heather Piwowar", "Jason Priem"]
    assert "Juan Pablo Alperin" in rec["authors"]
    assert rec["abstract"].startswith("Despite growing interest in Open Access")  # JATS stripped
    assert "https://peerj.com/articles/4375.pdf" in rec["urls"]


@needs_shared
def test_search_page_values():
    con, _ = load(FIXTURES / "fatcat_release_search_elasticsearch_page.json")
    recs = records(con)
    rec = recs["cvhigc5j7zduxn3cjppygzjhoy"]
    assert (rec["doi"], rec["pmid"], rec["year"]) == ("10.1111/j.1754-4505.2010.00137.x", "20500708", 2010)
    assert rec["venue"].startswith("Special Care in Dentistry")
    assert recs["xogjlyaitfhgxdbhimqwr3l7ce"]["authors"] == ["Daniel J. Watermeier", "Judith Milhous"]


def test_arxiv_release_and_export_lines(tmp_path):
    deleted = {"ident": "dddddddddddddddddddddddddi", "state": "deleted"}
    path = tmp_path / "release_export_expanded.json.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in (ARXIV_RELEASE, deleted)).encode()))
    con, counts = load(path)
    assert (counts.loaded, counts.rejected, counts.skipped) == (1, 0, 1)
    rec = records(con)["aaaaaaaaaaaaaaaaaaaaaaaaai"]
    assert (rec["arxiv_id"], rec["doi"]) == ("2203.10131", None)
    assert rec["authors"] == ["Patrick Schnell", "Philipp Holl"]  # editors left out
    assert rec["abstract"] == "Plain text."


def test_search_doc_arxiv_id(tmp_path):
    doc = {"ident": "eeeeeeeeeeeeeeeeeeeeeeeeei", "title": "T", "release_type": "article", "arxiv_id": "1810.09584v2",
           "contrib_names": ["A B"], "release_year": 2018}
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"hits": {"total": 1, "hits": [{"_id": doc["ident"], "_source": doc}]}}))
    con, _ = load(path)
    assert records(con)["eeeeeeeeeeeeeeeeeeeeeeeeei"]["arxiv_id"] == "1810.09584"

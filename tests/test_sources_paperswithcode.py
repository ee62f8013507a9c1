"""Papers with Code: API paper, list and search pages, papers-with-abstracts dump."""

import gzip
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format
from paperlink.sources.base import InputFileError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources"
HERE = FIXTURES / "paperswithcode"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="pwc", paths=[str(p) for p in paths])])["pwc"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


PER_FILE = [
    ("pwc_api_v1_paper_get_gan.json", 1),
    ("pwc_api_v1_papers_list_page_first20.json", 20),
    ("pwc_dump_papers_with_abstracts_first_record.json", 1),
]


@needs_shared
def test_every_fixture_file_is_listed():
    assert sorted(p.name for p in HERE.iterdir()) == sorted(f for f, _ in PER_FILE)


@needs_shared
@pytest.mark.parametrize(("name", "loaded"), PER_FILE)
def test_fixture_counts(name, loaded):
    con, counts = load(HERE / name)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, 0)
    assert con.execute("SELECT DISTINCT format FROM records").fetchall() == [("paperswithcode",)]


@needs_shared
def test_api_paper():
    con, _ = load(HERE / "pwc_api_v1_paper_get_gan.json")
    r = record(con, "generative-adversarial-networks")
    assert (r["title"], r["arxiv_id"], r["doi"]) == ("Generative Adversarial Networks", "1406.2661", None)
    assert (r["publication_date"], r["year"], r["venue"]) == ("2014-06-10", 2014, None)  # proceeding is a slug
    assert r["authors"][0] == "Ian J. Goodfellow" and len(r["authors"]) == 8
    assert "https://arxiv.org/abs/1406.2661v1" in r["urls"]


@needs_shared
def test_list_page_old_style_and_missing_arxiv_ids():
    con, _ = load(HERE / "pwc_api_v1_papers_list_page_first20.json")
    assert record(con, "radiation-transfer-in-gamma-ray-bursts")["arxiv_id"] == "astro-ph/9204005"
    hopfield = record(con, "neural-networks-and-physical-systems-with")
    assert (hopfield["arxiv_id"], hopfield["authors"], hopfield["year"]) == (None, ["J J Hopfield"], 1982)


@needs_shared
def test_dump_record():
    con, _ = load(HERE / "pwc_dump_papers_with_abstracts_first_record.json")
    r = record(con, "dynamic-network-model-from-partial")  # from paper_url
    assert (r["arxiv_id"], r["publication_date"], r["venue"]) == ("1805.10616", "2018-05-27", "NeurIPS 2018 12")
    assert r["title"] == "Dynamic Network Model from Partial Observations"
    assert "https://paperswithcode.com/paper/dynamic-network-model-from-partial" in r["urls"]


def test_search_page_and_gzip_dump(tmp_path):
    paper = {"id": "half-inverse-gradients", "arxiv_id": "2203.10131", "nips_id": None,
             "url_abs": "https://arxiv.org/abs/2203.10131v1", "url_pdf": "https://arxiv.org/pdf/2203.10131v1.pdf",
             "title": "Half-Inverse Gradients for Physical Deep Learning", "abstract": "Recent works...",
             "authors": ["Patrick Schnell", "Philipp Holl", "Nils Thuerey"], "published": "2022-03-18",
             "conference": None, "conference_url_abs": None, "conference_url_pdf": None, "proceeding": "ICLR 2022 4"}
    search = tmp_path / "search.json"
    search.write_text(json.dumps({"count": 1, "next": None, "previous": None, "results": [
        {"paper": paper, "repository": {"url": "https://github.com/tum-pbs/PhiFlow"}, "is_official": True}]}))
    dump = tmp_path / "papers-with-abstracts.json.gz"
    dump.write_bytes(gzip.compress(json.dumps([{
        **{k: v for k, v in paper.items() if k not in ("id", "published")},
        "paper_url": "https://paperswithcode.com/paper/half-inverse-gradients", "date": "2022-03-18"}]).encode()))
    for path in (search, dump):
        assert detect_format(path).name == "paperswithcode"
        con, counts = load(path)
        assert (counts.loaded, counts.rejected) == (1, 0)
        r = record(con, "half-inverse-gradients")
        assert (r["arxiv_id"], r["publication_date"], r["venue"], r["authors"][2]) == (
            "2203.10131", "2022-03-18", "ICLR 2022 4", "Nils Thuerey")
    assert "https://github.com/tum-pbs/PhiFlow" in record(load(search)[0], "half-inverse-gradients")["urls"]


@needs_shared
def test_detection_claims_only_paperswithcode_fixtures():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            claimed = detect_format(path).name == "paperswithcode"
        except InputFileError:  # the DBLP SPARQL files
            continue
        assert claimed == (path.parent.name == "paperswithcode"), path

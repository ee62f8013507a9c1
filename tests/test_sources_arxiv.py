"""arXiv: API Atom feeds, OAI-PMH (arXiv, arXivRaw) records and the Kaggle snapshot JSONL."""

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
HERE = FIXTURES / "arxiv"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="arxiv", paths=[str(p) for p in paths])])["arxiv"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


# (file, loaded, rejected): an id_list with explicit versions returns one entry per version,
# and the versions after the first are duplicates of the same e-print
PER_FILE = [
    ("arxiv_api_atom_id_list_famous_papers.xml", 8, 0),
    ("arxiv_api_atom_id_list_gelu_all_versions.xml", 1, 4),
    ("arxiv_api_atom_id_list_old_style_id.xml", 1, 0),
    ("arxiv_api_atom_id_list_withdrawn_versions_jref.xml", 2, 1),
    ("arxiv_api_atom_search_query_page.xml", 10, 0),
    ("arxiv_api_atom_title_phrase_attention_lookalikes.xml", 5, 0),
    ("arxiv_kaggle_oai_snapshot_head20.jsonl", 20, 0),
    ("arxiv_oai_pmh_arxivraw_1810.09584.xml", 1, 0),
    ("arxiv_oai_pmh_getrecord_arxiv_format_1607.06746.xml", 1, 0),
]


@needs_shared
def test_every_fixture_file_is_listed():
    assert sorted(p.name for p in HERE.iterdir()) == sorted(f for f, _, _ in PER_FILE)


@needs_shared
@pytest.mark.parametrize(("name", "loaded", "rejected"), PER_FILE)
def test_fixture_counts(name, loaded, rejected):
    con, counts = load(HERE / name)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, rejected, 0)
    reasons = con.execute("SELECT reason FROM rejected_records").fetchall()
    assert all(r.startswith("duplicate source_id") for (r,) in reasons)
    assert con.execute("SELECT DISTINCT format, work_type FROM records").fetchall() == [("arxiv", "preprint")]


@needs_shared
def test_atom_entry_version_dropped():
    con, _ = load(HERE / "arxiv_api_atom_id_list_famous_papers.xml")
    r = record(con, "1706.03762")  # <id>http://arxiv.org/abs/1706.03762v7</id>
    assert (r["arxiv_id"], r["title"], r["doi"], r["venue"]) == ("1706.03762", "Attention Is All You Need", None, None)
    assert r["authors"][:3] == ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"] and len(r["authors"]) == 8
    assert (r["year"], r["publication_date"]) == (2017, "2017-06-12")
    assert "https://arxiv.org/abs/1706.03762v7" in r["urls"]
    assert r["abstract"].startswith("The dominant sequence transduction models")


@needs_shared
def test_old_style_id_and_journal_ref():
    con, _ = load(HERE / "arxiv_api_atom_id_list_old_style_id.xml")
    r = record(con, "astro-ph/0601001")
    assert (r["arxiv_id"], r["publication_date"]) == ("astro-ph/0601001", "2006-01-02")
    assert r["venue"].startswith("ActaAstron")


@needs_shared
def test_publisher_doi_and_collaboration_author():
    con, _ = load(HERE / "arxiv_api_atom_id_list_withdrawn_versions_jref.xml")
    r = record(con, "1207.7214")
    assert (r["doi"], r["venue"]) == ("10.1016/j.physletb.2012.08.020", "Phys.Lett. B716 (2012) 1-29")
    assert r["authors"] == ["The ATLAS Collaboration"]


@needs_shared
def test_versions_of_one_eprint_load_once():
    con, counts = load(HERE / "arxiv_api_atom_id_list_gelu_all_versions.xml")
    assert (counts.loaded, counts.rejected) == (1, 4)
    r = record(con, "1606.08415")  # v1 comes first in the feed
    assert r["title"] == "Bridging Nonlinearities and Stochastic Regularizers with Gaussian Error Linear Units"
    assert r["publication_date"] == "2016-06-27"


@needs_shared
def test_kaggle_snapshot_line():
    con, _ = load(HERE / "arxiv_kaggle_oai_snapshot_head20.jsonl")
    r = record(con, "0704.0001")
    assert r["title"] == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert r["authors"] == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]  # authors_parsed as given
    assert (r["publication_date"], r["year"]) == ("2007-04-02", 2007)  # v1 "Mon, 2 Apr 2007 19:18:42 GMT"
    assert (r["doi"], r["venue"]) == ("10.1103/physrevd.76.013009", "Phys.Rev.D76:013009,2007")
    assert r["urls"] == ["https://arxiv.org/abs/0704.0001"]
    assert record(con, "0704.0020")["authors"] == ["The BABAR Collaboration", "B. Aubert"]


@needs_shared
def test_oai_pmh_arxiv_and_arxivraw_records():
    con, _ = load(HERE / "arxiv_oai_pmh_getrecord_arxiv_format_1607.06746.xml",
                  HERE / "arxiv_oai_pmh_arxivraw_1810.09584.xml")
    r = record(con, "1607.06746")
    assert (r["title"], r["authors"]) == ("CP violation in the B system", ["T. Gershon", "V. V. Gligorov"])
    assert (r["publication_date"], r["doi"]) == ("2016-07-22", "10.1088/1361-6633/aa5514")
    assert r["venue"] == "Reports on Progress in Physics, 80 (2017) 046201"
    raw = record(con, "1810.09584")
    assert raw["authors"] == ["Raphael Chetrite", "Shamik Gupta", "Izaak Neri", "\\'Edgar Rold\\'an"]
    assert (raw["publication_date"], raw["doi"]) == ("2018-10-22", "10.1209/0295-5075/124/60006")


def test_error_entry_skipped_and_gzip_snapshot(tmp_path):
    feed = tmp_path / "error.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.1234v1</id><title>Error</title>"
        "<summary>incorrect id format for 1234.1234v1</summary></entry></feed>"
    )
    con, counts = load(feed)
    assert (counts.loaded, counts.rejected, counts.skipped) == (0, 0, 1)

    oai = tmp_path / "list_records.xml"
    oai.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        '<record><header status="deleted"><identifier>oai:arXiv.org:0704.0002</identifier></header></record>'
        "<record><header><identifier>oai:arXiv.org:0704.0003</identifier></header><metadata>"
        '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>0704.0003</id><created>2007-04-01</created>'
        "<authors><author><keyname>Pan</keyname><forenames>Hongjun</forenames></author></authors>"
        "<title>A title</title></arXiv></metadata></record></ListRecords></OAI-PMH>"
    )
    con, counts = load(oai)
    assert (counts.loaded, counts.rejected, counts.skipped) == (1, 0, 1)  # the deleted record is skipped
    assert record(con, "0704.0003")["authors"] == ["Hongjun Pan"]

    lines = [
        {"id": "hep-th/9901001", "title": "Old\n  style", "authors": "A. Smith (MIT, USA), B. Jones and C. Brown",
         "versions": [{"version": "v1", "created": "Fri, 1 Jan 1999 00:00:00 GMT"}], "authors_parsed": None},
        {"id": "2203.10131", "title": "New style", "authors_parsed": [["Thuerey", "Nils", ""]], "doi": None},
    ]
    snapshot = tmp_path / "arxiv-metadata-oai-snapshot.json.gz"
    snapshot.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    assert detect_format(snapshot).name == "arxiv"
    con, counts = load(snapshot)
    assert (counts.loaded, counts.rejected) == (2, 0)
    old = record(con, "hep-th/9901001")
    assert (old["arxiv_id"], old["title"], old["publication_date"]) == ("hep-th/9901001", "Old style", "1999-01-01")
    assert old["authors"] == ["A. Smith", "B. Jones", "C. Brown"]
    assert record(con, "2203.10131")["authors"] == ["Nils Thuerey"]


@needs_shared
def test_detection_claims_only_arxiv_fixtures():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            claimed = detect_format(path).name == "arxiv"
        except InputFileError:  # the DBLP SPARQL files
            continue
        assert claimed == (path.parent.name == "arxiv"), path

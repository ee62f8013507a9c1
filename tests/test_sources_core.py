"""CORE API v3 works: no real response exists in ../shared, so these records follow the documented
v3 shape (single work, search page, one work per line)."""

import json

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format

WORK = {
    "id": 83939468,
    "title": "Attention Is All You Need",
    "authors": [{"name": "Vaswani, Ashish"}, {"name": "Noam Shazeer"}],
    "yearPublished": 2017,
    "publishedDate": "2017-06-12T00:00:00",
    "doi": "https://doi.org/10.48550/arXiv.1706.03762",
    "arxivId": "1706.03762v7",
    "abstract": "The dominant <b>sequence</b> transduction models...",
    "downloadUrl": "https://core.ac.uk/download/83939468.pdf",
    "sourceFulltextUrls": ["http://arxiv.org/abs/1706.03762"],
    "links": [{"type": "display", "url": "https://core.ac.uk/works/83939468"}],
    "journals": [],
    "oaiIds": ["oai:arXiv.org:1706.03762"],
    "identifiers": [{"identifier": "83939468", "type": "CORE_ID"}],
    "dataProviders": [{"id": 144, "name": "arXiv.org e-Print Archive", "url": "https://api.core.ac.uk/v3/data-providers/144"}],
    "documentType": "research",
}
JOURNAL_WORK = {
    "id": 5815332,
    "title": "The state of OA",
    "authors": [{"name": "Heather Piwowar"}],
    "yearPublished": 2018,
    "publishedDate": "2018-02-13T00:00:00",
    "doi": "10.7717/PEERJ.4375",
    "pubmedId": "29456894",
    "arxivId": None,
    "journals": [{"title": "PeerJ", "identifiers": ["issn:2167-8359"]}],
    "sourceFulltextUrls": [],
    "documentType": "research",
}


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="core", format=fmt, paths=[str(p) for p in paths])])["core"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


def test_single_work_and_search_page(tmp_path):
    single = tmp_path / "work.json"
    single.write_text(json.dumps(WORK, indent=2))
    page = tmp_path / "search.json"
    page.write_text(json.dumps({"totalHits": 2, "limit": 10, "offset": 0, "results": [WORK, JOURNAL_WORK]}))
    assert detect_format(single).name == "core" and detect_format(page).name == "core"
    con, counts = load(single, page)
    # the same work in both files: the second copy is a duplicate source id
    assert (counts.input, counts.loaded, counts.rejected) == (3, 2, 1)
    recs = records(con)
    rec = recs["83939468"]
    assert rec["authors"] == ["Vaswani, Ashish", "Noam Shazeer"]
    assert (rec["year"], rec["publication_date"]) == (2017, "2017-06-12")
    assert (rec["doi"], rec["arxiv_id"]) == (None, "1706.03762")  # an arXiv DOI is an arXiv id
    assert rec["abstract"] == "The dominant sequence transduction models..."
    assert "https://core.ac.uk/download/83939468.pdf" in rec["urls"]
    assert rec["work_type"] == "research"
    journal = recs["5815332"]
    assert (journal["doi"], journal["pmid"], journal["venue"]) == ("10.7717/peerj.4375", "29456894", "PeerJ")


def test_works_one_per_line_and_oai_arxiv_id(tmp_path):
    work = dict(WORK, arxivId=None, doi=None, sourceFulltextUrls=[], authors=["Plain Name"])
    path = tmp_path / "works.jsonl"
    path.write_text(json.dumps(work) + "\n" + json.dumps(JOURNAL_WORK) + "\n")
    con, counts = load(path)
    assert counts.loaded == 2
    rec = records(con)["83939468"]
    assert rec["arxiv_id"] == "1706.03762"  # from oaiIds
    assert rec["authors"] == ["Plain Name"]

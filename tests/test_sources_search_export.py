"""search_export: records exported by multi-source literature search tools (JSON array, JSONL).

There is no fixture file (only the garbled table in ../shared/seed); the records below follow it.
"""

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

PWC = {
    "authors": ["Nils Thuerey", "Philipp Holl", "Patrick Schnell"],
    "title": "Half-Inverse Gradients for Physical Deep Learning",
    "publication_date": "2022-03-18 00:00:00", "source": "SupportedSources.PAPERS_WITH_CODE",
    "journal": "", "volume": "", "doi": "",
    "urls": ["https://arxiv.org/pdf/2203.10131v1.pdf", "https://github.com/tum-pbs/PhiFlow",
             "https://openreview.net/pdf?id=HTx7vrlLBEj"],
    "id": "id7255216414000696214", "abstract": "Recent works in deep learning have shown ...", "versions": [],
}
S2 = {
    "authors": "Patrick Schnell, Philipp Holl, Nils Thuerey",
    "title": "Half-Inverse Gradients for Physical Deep Learning",
    "publication_date": "2022-03-18 00:00:00", "source": "SupportedSources.SEMANTIC_SCHOLAR",
    "journal": "ArXiv", "volume": "abs/2203.10131", "doi": "10.48550/arXiv.2203.10131",
    "urls": "https://www.semanticscholar.org/paper/49228c2db9ba4d622f9351c83d67a3a86b22f3ec",
    "id": "id6301323028992324836", "abstract": "Recent works in deep learning have shown ...",
    "versions": [{"year": 2022, "source": "SupportedSources.ARXIV", "title": "Half-Inverse Gradients",
                  "journal": None, "urls": [], "doi": "", "publication_date": "2022-03-18 00:00:00"}],
}
CROSSREF = {
    "authors": [], "title": "Augmenting large language models with chemistry tools", "publication_date": "None",
    "source": "SupportedSources.CROSSREF", "journal": "Nature Machine Intelligence", "volume": "6",
    "doi": "10.1038/S42256-024-00832-8", "urls": [], "id": "id42", "abstract": "", "versions": [],
}


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="search", paths=[str(p) for p in paths])])["search"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


@pytest.fixture(params=["array", "jsonl.gz"])
def export(request, tmp_path):
    records = [PWC, S2, CROSSREF]
    if request.param == "array":
        path = tmp_path / "results.json"
        path.write_text(json.dumps(records, indent=4))
    else:
        path = tmp_path / "results.jsonl.gz"
        path.write_bytes(gzip.compress("\n".join(json.dumps(r) for r in records).encode()))
    return path


def test_detected_and_loaded(export):
    assert detect_format(export).name == "search_export"
    con, counts = load(export)
    assert (counts.loaded, counts.rejected, counts.skipped) == (3, 0, 0)


def test_papers_with_code_record(export):
    r = record(load(export)[0], "id7255216414000696214")
    assert r["authors"] == ["Nils Thuerey", "Philipp Holl", "Patrick Schnell"]
    assert (r["publication_date"], r["year"], r["venue"], r["volume"], r["doi"]) == ("2022-03-18", 2022, None, None, None)
    assert r["arxiv_id"] == "2203.10131"  # from the arXiv pdf URL
    assert "https://github.com/tum-pbs/PhiFlow" in r["urls"]


def test_semantic_scholar_record(export):
    r = record(load(export)[0], "id6301323028992324836")
    assert r["authors"] == ["Patrick Schnell", "Philipp Holl", "Nils Thuerey"]  # one string, split
    # the arXiv DataCite DOI is an arXiv id; "ArXiv" / "abs/…" are no venue and volume
    assert (r["doi"], r["arxiv_id"], r["venue"], r["volume"]) == (None, "2203.10131", None, None)
    assert r["urls"] == ["https://www.semanticscholar.org/paper/49228c2db9ba4d622f9351c83d67a3a86b22f3ec"]


def test_record_without_date(export):
    r = record(load(export)[0], "id42")
    assert (r["publication_date"], r["year"], r["abstract"], r["authors"]) == (None, None, None, [])
    assert (r["doi"], r["venue"], r["volume"]) == ("10.1038/s42256-024-00832-8", "Nature Machine Intelligence", "6")


@pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")
def test_detection_claims_no_fixture_file():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            assert detect_format(path).name != "search_export", path
        except InputFileError:  # the DBLP SPARQL files
            continue

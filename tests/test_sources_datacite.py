"""DataCite: REST API /dois single and list responses, CSL-JSON from DOI content negotiation."""

from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format
from paperlink.sources.base import InputFileError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources"
HERE = FIXTURES / "datacite"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="datacite", paths=[str(p) for p in paths])])["datacite"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


PER_FILE = [
    ("datacite_doiorg_content_negotiation_csl_json_attention.json", 1),
    ("datacite_dois_api_doi_gelu_1606.08415.json", 1),
    ("datacite_dois_api_ids_attention_bert_doi_titles_only.json", 2),
    ("datacite_dois_api_list_resnet_gelu_fields_subset.json", 2),
]


@needs_shared
def test_every_fixture_file_is_listed():
    assert sorted(p.name for p in HERE.iterdir()) == sorted(f for f, _ in PER_FILE)


@needs_shared
@pytest.mark.parametrize(("name", "loaded"), PER_FILE)
def test_fixture_counts(name, loaded):
    con, counts = load(HERE / name)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, 0)
    assert con.execute("SELECT DISTINCT format FROM records").fetchall() == [("datacite",)]


@needs_shared
def test_arxiv_doi_becomes_arxiv_id():
    con, _ = load(HERE / "datacite_dois_api_doi_gelu_1606.08415.json")
    r = record(con, "10.48550/arxiv.1606.08415")
    assert (r["doi"], r["arxiv_id"], r["title"]) == (None, "1606.08415", "Gaussian Error Linear Units (GELUs)")
    assert r["authors"] == ["Dan Hendrycks", "Kevin Gimpel"]
    assert (r["year"], r["publication_date"], r["work_type"], r["venue"]) == (2016, "2016-06-27", "preprint", None)
    assert r["abstract"].startswith("We propose the Gaussian Error Linear Unit (GELU)")  # not the "Other" comment
    assert r["urls"] == ["https://arxiv.org/abs/1606.08415"]


@needs_shared
def test_csl_json_and_sparse_fieldset_share_the_lower_case_id():
    con, counts = load(HERE / "datacite_doiorg_content_negotiation_csl_json_attention.json",
                       HERE / "datacite_dois_api_ids_attention_bert_doi_titles_only.json")
    assert (counts.loaded, counts.rejected) == (2, 1)  # the titles-only Attention record repeats the CSL one
    csl = record(con, "10.48550/arxiv.1706.03762")  # DOI 10.48550/ARXIV.1706.03762 in CSL
    assert (csl["arxiv_id"], csl["doi"], csl["year"], csl["work_type"]) == ("1706.03762", None, 2017, "article")
    assert csl["authors"][0] == "Ashish Vaswani" and len(csl["authors"]) == 8
    bert = record(con, "10.48550/arxiv.1810.04805")
    assert (bert["arxiv_id"], bert["authors"], bert["year"], bert["work_type"]) == ("1810.04805", [], None, None)


@needs_shared
def test_list_response():
    con, _ = load(HERE / "datacite_dois_api_list_resnet_gelu_fields_subset.json")
    r = record(con, "10.48550/arxiv.1512.03385")
    assert (r["arxiv_id"], r["year"], r["publication_date"]) == ("1512.03385", 2015, "2015-12-10")
    assert r["authors"] == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]


def test_non_arxiv_doi_with_container(tmp_path):
    path = tmp_path / "dois.json"
    path.write_text("""{"data": {"id": "10.5281/zenodo.1", "type": "dois", "attributes": {
        "doi": "10.5281/zenodo.1", "titles": [{"title": "A dataset paper"}],
        "creators": [{"name": "Example Consortium", "nameType": "Organizational"}],
        "publicationYear": 2021, "dates": [{"date": "2021-03-04", "dateType": "Issued"}],
        "container": {"type": "Journal", "title": "Journal of Data", "volume": "7", "issue": "2",
                      "firstPage": "10", "lastPage": "20"},
        "types": {"resourceTypeGeneral": "JournalArticle"}, "url": "https://zenodo.org/record/1"}}}""")
    con, counts = load(path)
    assert (counts.loaded, counts.rejected) == (1, 0)
    r = record(con, "10.5281/zenodo.1")
    assert (r["doi"], r["arxiv_id"], r["authors"], r["publication_date"]) == (
        "10.5281/zenodo.1", None, ["Example Consortium"], "2021-03-04")
    assert (r["venue"], r["volume"], r["issue"], r["pages"], r["work_type"]) == (
        "Journal of Data", "7", "2", "10-20", "journalarticle")


@needs_shared
def test_detection_claims_only_datacite_fixtures():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            claimed = detect_format(path).name == "datacite"
        except InputFileError:  # the DBLP SPARQL files
            continue
        assert claimed == (path.parent.name == "datacite"), path

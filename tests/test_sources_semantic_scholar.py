"""Semantic Scholar: Graph API paper, search/match, batch (with nulls) and the papers dataset JSONL."""

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
HERE = FIXTURES / "semantic_scholar"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="s2", paths=[str(p) for p in paths])])["s2"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


# (file, loaded, skipped): the batch response's first element is null (id not found)
PER_FILE = [
    ("s2_graph_paper_batch_full_fields.json", 3, 1),
    ("s2_graph_paper_doi_antisense_oligonucleotides.json", 1, 0),
    ("s2_graph_paper_doi_biorxiv_prime_editing_2024.json", 1, 0),
    ("s2_graph_paper_doi_cell_genomics_prime_editing.json", 1, 0),
    ("s2_graph_paper_doi_horseradish_peroxidase.json", 1, 0),
    ("s2_graph_paper_doi_pnas_musculoskeletal_tissues.json", 1, 0),
    ("s2_graph_paper_doi_reactions_weekly_convalescent_plasma.json", 1, 0),
    ("s2_graph_paper_search_match_attention.json", 1, 0),
    ("s2_graph_paper_search_match_barack_obama.json", 1, 0),
    ("s2_graph_paper_search_match_chemcrow.json", 1, 0),
    ("s2_graph_paper_search_match_convalescent_plasma_other_issue.json", 1, 0),
    ("s2_graph_paper_search_match_copper_oxide_md.json", 1, 0),
    ("s2_graph_paper_search_match_gravity_hill.json", 1, 0),
    ("s2_graph_paper_search_match_molecular_explanations.json", 1, 0),
    ("s2_graph_paper_search_match_national_flag_of_canada_day.json", 1, 0),
    ("s2_graph_paper_search_match_paperqa.json", 1, 0),
]


@needs_shared
def test_every_fixture_file_is_listed():
    assert sorted(p.name for p in HERE.iterdir()) == sorted(f for f, _, _ in PER_FILE)


@needs_shared
@pytest.mark.parametrize(("name", "loaded", "skipped"), PER_FILE)
def test_fixture_counts(name, loaded, skipped):
    con, counts = load(HERE / name)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, skipped)
    assert con.execute("SELECT DISTINCT format FROM records").fetchall() == [("semantic_scholar",)]


@needs_shared
def test_match_attention_arxiv_id_and_no_doi():
    con, _ = load(HERE / "s2_graph_paper_search_match_attention.json")
    r = record(con, "204e3073870fae3d05bcbc2f6a8e263d9b72e776")
    assert (r["title"], r["arxiv_id"], r["doi"]) == ("Attention is All you Need", "1706.03762", None)
    assert (r["year"], r["publication_date"], r["pages"]) == (2017, "2017-06-12", "5998-6008")
    assert r["venue"] == "Neural Information Processing Systems"
    assert "Noam M. Shazeer" in r["authors"]


@needs_shared
def test_merged_paper_ids_and_journal_fields():
    con, _ = load(HERE / "s2_graph_paper_search_match_chemcrow.json")
    r = record(con, "354dcdebf3f8b5feeed5c62090e0bc1f0c28db06")
    assert (r["doi"], r["arxiv_id"], r["pmid"]) == ("10.1038/s42256-024-00832-8", "2304.05376", "38799228")
    assert (r["venue"], r["volume"], r["pages"]) == ("Nature Machine Intelligence", "6", "525-535")
    assert (r["publication_date"], r["work_type"]) == ("2023-04-11", "journalarticle")


@needs_shared
def test_arxiv_only_paper():
    con, _ = load(HERE / "s2_graph_paper_search_match_paperqa.json")
    r = record(con, "7e55d8701785818776323b4147cb13354c820469")
    # DOI 10.48550/arXiv.2312.07559 is an arXiv id; journal "ArXiv", volume "abs/2312.07559" are no venue
    assert (r["doi"], r["arxiv_id"], r["venue"], r["volume"]) == (None, "2312.07559", None, None)


@needs_shared
def test_messy_pages_and_upper_case_doi():
    con, _ = load(HERE / "s2_graph_paper_doi_antisense_oligonucleotides.json",
                  HERE / "s2_graph_paper_doi_horseradish_peroxidase.json")
    assert record(con, "b6c4e9f285bd1b0b69b98daa47fea3d29d50c658")["pages"] == "46-51"
    r = record(con, "19807da5b11f3e641535cb72e465001b49b48ee5")
    assert (r["doi"], r["pmid"]) == ("10.1023/a:1007154515475", "11330823")


@needs_shared
def test_batch_null_is_skipped_not_rejected():
    con, counts = load(HERE / "s2_graph_paper_batch_full_fields.json")
    assert (counts.input, counts.loaded, counts.rejected, counts.skipped) == (3, 3, 0, 1)
    r = record(con, "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce")
    assert (r["doi"], r["venue"], r["work_type"]) == ("10.2139/ssrn.288970", "Experimental & Empirical Studies eJournal", "review")
    assert r["abstract"].startswith("Most Difference-in-Difference")


@needs_shared
def test_same_paper_id_under_two_dois_is_loaded_once():
    con, counts = load(HERE / "s2_graph_paper_doi_biorxiv_prime_editing_2024.json",
                       HERE / "s2_graph_paper_doi_cell_genomics_prime_editing.json")
    assert (counts.loaded, counts.rejected) == (1, 1)
    assert record(con, "7e5d4466c8b85f93775fe183e1a318a3e65ac8e4")["doi"] == "10.1101/2024.04.01.587366"


def test_papers_dataset_lower_case_fields(tmp_path):
    row = {
        "corpusid": 13756489, "url": "https://www.semanticscholar.org/paper/204e3073",
        "externalids": {"ACL": None, "DBLP": "conf/nips/VaswaniSPUJGKP17", "ArXiv": "1706.03762",
                        "MAG": "2963403868", "CorpusId": "13756489", "PubMed": None, "DOI": None},
        "title": "Attention is All you Need", "authors": [{"authorId": "40348417", "name": "Ashish Vaswani"}],
        "venue": "Neural Information Processing Systems", "publicationvenueid": None, "year": 2017,
        "publicationtypes": ["JournalArticle", "Conference"], "publicationdate": "2017-06-12",
        "journal": {"name": "", "pages": "5998-6008", "volume": None},
    }
    other = {**row, "corpusid": 1, "externalids": {"DOI": "10.1234/X", "PubMed": "123"}, "title": "Other"}
    path = tmp_path / "papers-part0.jsonl.gz"
    path.write_bytes(gzip.compress(f"{json.dumps(row)}\n{json.dumps(other)}\n".encode()))
    assert detect_format(path).name == "semantic_scholar"
    con, counts = load(path)
    assert (counts.loaded, counts.rejected) == (2, 0)
    r = record(con, "CorpusId:13756489")
    assert (r["arxiv_id"], r["doi"], r["publication_date"], r["work_type"]) == ("1706.03762", None, "2017-06-12", "journalarticle")
    assert (r["authors"], r["venue"]) == (["Ashish Vaswani"], "Neural Information Processing Systems")
    assert (record(con, "CorpusId:1")["doi"], record(con, "CorpusId:1")["pmid"]) == ("10.1234/x", "123")


@needs_shared
def test_detection_claims_only_semantic_scholar_fixtures():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            claimed = detect_format(path).name == "semantic_scholar"
        except InputFileError:  # the DBLP SPARQL files
            continue
        assert claimed == (path.parent.name == "semantic_scholar"), path

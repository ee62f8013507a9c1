"""Crossref: REST API works (single, lists, select subsets), public data file items, JSONL."""

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
HERE = FIXTURES / "crossref"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")


def load(*paths):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="crossref", paths=[str(p) for p in paths])])["crossref"]
    return con, counts


def record(con, source_id):
    cur = con.execute("SELECT * FROM records WHERE source_id = ?", [source_id])
    row = cur.fetchone()
    assert row, f"no record {source_id}"
    return dict(zip([d[0] for d in cur.description], row))


# (file, loaded, rejected): the 2018 harvest repeats one DOI on two lines
PER_FILE = [
    ("crossref_bulk_2018_ia_harvest_mongo_export_14lines.jsonl", 13, 1),
    ("crossref_work_api_antisense_oligonucleotides.json", 1, 0),
    ("crossref_work_api_attention_2025_repost_10.65215.json", 1, 0),
    ("crossref_work_api_bert_naacl2019.json", 1, 0),
    ("crossref_work_api_biorxiv_posted_content.json", 1, 0),
    ("crossref_work_api_cell_genomics_prime_editing.json", 1, 0),
    ("crossref_work_api_cp_violation_b_system.json", 1, 0),
    ("crossref_work_api_horseradish_peroxidase.json", 1, 0),
    ("crossref_work_api_natural_questions_tacl.json", 1, 0),
    ("crossref_work_api_pnas_musculoskeletal_tissues.json", 1, 0),
    ("crossref_work_api_reactions_weekly_convalescent_plasma.json", 1, 0),
    ("crossref_work_api_resnet_cvpr2016_refs_removed.json", 1, 0),
    ("crossref_work_api_wakefield_lancet_retracted.json", 1, 0),
    ("crossref_works_api_coordinates_teves_with_erratum.json", 3, 0),
    ("crossref_works_api_query_attention_wrong_hit.json", 1, 0),
    ("crossref_works_api_query_barack_obama_select.json", 1, 0),
    ("crossref_works_api_query_chemcrow.json", 1, 0),
    ("crossref_works_api_query_copper_oxide_md.json", 1, 0),
    ("crossref_works_api_query_gravity_hill.json", 1, 0),
    ("crossref_works_api_query_moe_reviews_and_versions.json", 8, 0),
    ("crossref_works_api_query_molecular_explanations_chemrxiv_hit.json", 1, 0),
    ("crossref_works_api_query_molecular_explanations_jctc_hit.json", 1, 0),
    ("crossref_works_api_query_national_flag_of_canada_day.json", 1, 0),
    ("crossref_works_api_query_paperqa_wrong_hit.json", 1, 0),
    ("crossref_works_api_query_resnet_lookalikes.json", 8, 0),
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
    assert con.execute("SELECT DISTINCT format FROM records").fetchall() == [("crossref",)]


@needs_shared
def test_single_work_resnet():
    con, _ = load(HERE / "crossref_work_api_resnet_cvpr2016_refs_removed.json")
    r = record(con, "10.1109/cvpr.2016.90")
    assert r["doi"] == "10.1109/cvpr.2016.90"
    assert r["title"] == "Deep Residual Learning for Image Recognition"
    assert r["authors"] == ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]
    assert (r["year"], r["publication_date"]) == (2016, "2016-06")
    assert r["venue"] == "2016 IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert (r["pages"], r["work_type"], r["arxiv_id"]) == ("770-778", "proceedings-article", None)


@needs_shared
def test_markup_is_stripped_from_title_and_abstract():
    con, _ = load(HERE / "crossref_works_api_coordinates_teves_with_erratum.json",
                  HERE / "crossref_work_api_biorxiv_posted_content.json")
    erratum = record(con, "10.1103/physrevd.71.069901")
    assert "<b>" not in erratum["title"] and "Phys. Rev. D70, 083509 (2004)" in erratum["title"]
    preprint = record(con, "10.1101/2024.04.01.587366")
    assert preprint["abstract"].startswith("Understanding the effects") and "<jats:" not in preprint["abstract"]
    assert (preprint["venue"], preprint["work_type"], preprint["publication_date"]) == (
        "bioRxiv", "posted-content", "2024-04-01")


@needs_shared
def test_partial_and_missing_dates_and_authors():
    con, _ = load(HERE / "crossref_works_api_query_gravity_hill.json",
                  HERE / "crossref_works_api_query_barack_obama_select.json",
                  HERE / "crossref_work_api_reactions_weekly_convalescent_plasma.json")
    poem = record(con, "10.2307/j.ctt5vkfh7.11")  # issued [[null]]
    assert (poem["title"], poem["year"], poem["publication_date"]) == ("GRAVITY HILL", None, None)
    chapter = record(con, "10.2307/j.ctt18z4hr9.10")  # select=DOI,container-title,title
    assert (chapter["title"], chapter["venue"], chapter["authors"], chapter["year"]) == (
        "Barack Obama", "Refuge in the Lord", [], None)
    weekly = record(con, "10.1007/s40278-023-41815-2")
    assert (weekly["authors"], weekly["volume"], weekly["pages"]) == ([], "1962", "145-145")


@needs_shared
def test_one_doi_in_two_files_is_loaded_once():
    con, counts = load(HERE / "crossref_work_api_resnet_cvpr2016_refs_removed.json",
                       HERE / "crossref_works_api_query_resnet_lookalikes.json")
    assert (counts.loaded, counts.rejected) == (8, 1)
    (reason,) = con.execute("SELECT reason FROM rejected_records").fetchone()
    assert reason.startswith("duplicate source_id 10.1109/cvpr.2016.90")


def test_public_data_file_and_jsonl(tmp_path):
    items = [
        {"DOI": "10.1234/abc", "title": ["A <i>tiny</i> title"], "type": "journal-article",
         "author": [{"given": "Ada", "family": "Lovelace"}, {"name": "The Consortium"}],
         "issued": {"date-parts": [[2019, 6, 3]]}, "container-title": ["J. Tests"], "reference-count": 0},
        {"DOI": "10.1234/def", "title": ["Second"], "posted": {"date-parts": [[2020]]}, "reference-count": 0},
    ]
    doc = tmp_path / "0.json.gz"
    doc.write_bytes(gzip.compress(json.dumps({"items": items}).encode()))
    lines = tmp_path / "items.jsonl.gz"
    lines.write_bytes(gzip.compress("\n".join(json.dumps(i) for i in items[::-1]).encode()))
    for path in (doc, lines):
        con, counts = load(path)
        assert (counts.loaded, counts.rejected) == (2, 0)
        r = record(con, "10.1234/abc")
        assert (r["title"], r["authors"], r["publication_date"], r["year"], r["venue"]) == (
            "A tiny title", ["Ada Lovelace", "The Consortium"], "2019-06-03", 2019, "J. Tests")
        assert record(con, "10.1234/def")["publication_date"] == "2020"


@needs_shared
def test_detection_claims_only_crossref_fixtures():
    for path in FIXTURES.glob("*/*"):
        if path.name == "README.md":
            continue
        try:
            claimed = detect_format(path).name == "crossref"
        except InputFileError:  # the DBLP SPARQL files
            continue
        assert claimed == (path.parent.name == "crossref"), path

"""Unpaywall: v2 DOI objects (2024 and 2025 shapes), search pages and snapshot JSON Lines."""

import gzip
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources" / "unpaywall"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

FILES = {
    "unpaywall_v2_doi_antisense_oligonucleotides.json": 1,
    "unpaywall_v2_doi_biorxiv_prime_editing_preprint.json": 1,
    "unpaywall_v2_doi_cell_genomics.json": 1,
    "unpaywall_v2_doi_horseradish_peroxidase.json": 1,
    "unpaywall_v2_doi_pnas_musculoskeletal_tissues.json": 1,
    "unpaywall_v2_doi_reactions_weekly_convalescent_plasma.json": 1,
    "unpaywall_v2_search_chemcrow.json": 2,
    "unpaywall_v2_search_copper_oxide_md.json": 1,
}


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="unpaywall", format=fmt, paths=[str(p) for p in paths])])["unpaywall"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


@needs_shared
@pytest.mark.parametrize("file, loaded", FILES.items())
def test_fixture_files_load_by_auto_detection(file, loaded):
    assert detect_format(FIXTURES / file).name == "unpaywall"
    con, counts = load(FIXTURES / file)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, 0)


@needs_shared
def test_values_of_both_author_shapes_and_search_pages():
    con, counts = load(*(FIXTURES / f for f in FILES))
    assert counts.loaded == 9
    recs = records(con)
    new_style = recs["10.1016/j.xgen.2025.100814"]  # 2025: raw_author_name
    assert new_style["authors"][:2] == ["Michael Herger", "Christina M. Kajba"]
    assert (new_style["venue"], new_style["publication_date"], new_style["year"]) == ("Cell Genomics", "2025-03-22", 2025)
    assert new_style["work_type"] == "journal-article"
    old_style = recs["10.1101/2024.04.01.587366"]  # 2024: given/family
    assert old_style["authors"][:2] == ["Michael Herger", "Christina M. Kajba"]
    assert (old_style["work_type"], old_style["venue"]) == ("posted-content", None)
    chemcrow = recs["10.1038/s42256-024-00832-8"]  # inside a search result's "response"
    assert chemcrow["doi"] == "10.1038/s42256-024-00832-8"
    assert chemcrow["authors"][0] == "Andres M. Bran"
    assert chemcrow["title"] == "Augmenting large language models with chemistry tools"
    assert recs["10.1007/s40278-023-41815-2"]["authors"] == []


def test_snapshot_lines_and_arxiv_copy(tmp_path):
    line = {
        "doi": "10.1038/s42256-024-00832-8", "doi_url": "https://doi.org/10.1038/s42256-024-00832-8",
        "title": "Augmenting large language models with chemistry tools", "genre": "journal-article",
        "year": 2024, "published_date": "2024-05-08", "journal_name": "Nature Machine Intelligence",
        "z_authors": None, "is_oa": True,
        "oa_locations": [{"url": "https://arxiv.org/pdf/2304.05376", "pmh_id": "oai:arXiv.org:2304.05376",
                          "url_for_pdf": "https://arxiv.org/pdf/2304.05376", "url_for_landing_page": None}],
    }
    other = dict(line, doi="10.1/x", title="Other", oa_locations=[], z_authors=[{"given": "Ann", "family": "Lee"}])
    path = tmp_path / "unpaywall_snapshot.jsonl.gz"
    path.write_bytes(gzip.compress(f"{json.dumps(line)}\n{json.dumps(other)}\n".encode()))
    con, counts = load(path)
    assert (counts.loaded, counts.rejected) == (2, 0)
    recs = records(con)
    assert recs["10.1038/s42256-024-00832-8"]["arxiv_id"] == "2304.05376"
    assert recs["10.1038/s42256-024-00832-8"]["authors"] == []  # z_authors: null
    assert recs["10.1/x"]["authors"] == ["Ann Lee"]

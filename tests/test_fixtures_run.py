"""One `paperlink run` over the ≈250 real records in ../shared/fixtures/sources (10 sources).

Expectations come from the fixtures README ("Cross-source overlaps", "Hard negatives").
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from paperlink.pipeline import LinkageJob

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

SOURCES = {  # source name: globs (the DBLP SPARQL query results are not records)
    "arxiv": ["arxiv/*"], "crossref": ["crossref/*"], "datacite": ["datacite/*"],
    "dblp": ["dblp/dblp_xml*", "dblp/dblp_search*"], "fatcat": ["fatcat/*"], "openalex": ["openalex/*"],
    "paperswithcode": ["paperswithcode/*"], "pubmed": ["pubmed/*"],
    "semantic_scholar": ["semantic_scholar/*"], "unpaywall": ["unpaywall/*"],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixtures")
    lines = ['[database]\npath = "db/paperlink.duckdb"\n[output]\ndir = "out"\n']
    for name, globs in SOURCES.items():
        paths = ", ".join(f'"{FIXTURES / g}"' for g in globs)
        lines.append(f'[[sources]]\nname = "{name}"\npaths = [{paths}]\n')
    (tmp / "job.toml").write_text("\n".join(lines))
    job = LinkageJob.from_config(tmp / "job.toml")
    job.run()
    job.close()
    con = duckdb.connect(str(tmp / "db" / "paperlink.duckdb"), read_only=True)
    yield con
    con.close()


def cluster_of(con, where: str, *params) -> set[str]:
    rows = con.execute(
        f"SELECT DISTINCT c.cluster_id FROM clusters c JOIN records r USING (record_id) WHERE {where}", list(params)
    ).fetchall()
    assert rows, f"no record where {where} {params}"
    return {r[0] for r in rows}


def same(con, *conditions) -> bool:
    ids = set().union(*(cluster_of(con, *c) for c in conditions))
    return len(ids) == 1


def test_every_record_in_one_cluster(run):
    n_records, n_clustered, n_distinct = run.execute(
        "SELECT (SELECT count(*) FROM records), count(*), count(DISTINCT record_id) FROM clusters").fetchall()[0]
    assert n_records == n_clustered == n_distinct
    assert n_records > 200


def test_works_in_several_sources_are_one_cluster(run):
    # A. Attention: arXiv, S2 (arXiv id), OpenAlex (junk DOI, arXiv location), DataCite
    assert same(run, ("arxiv_id = ? AND r.source IN ('arxiv', 'semantic_scholar', 'openalex', 'datacite')", "1706.03762"))
    # B. ResNet: the CVPR group (Crossref, OpenAlex) and the arXiv/DataCite preprint share no identifier
    assert same(run, ("doi = ?", "10.1109/cvpr.2016.90"), ("arxiv_id = ?", "1512.03385"))
    # F+. BERT: arXiv/DataCite preprint and the NAACL version, title and authors only
    assert same(run, ("doi = ?", "10.18653/v1/n19-1423"), ("arxiv_id = ?", "1810.04805"))
    # E+. Pooled prime editing: bioRxiv preprint and Cell Genomics article
    assert same(run, ("doi = ?", "10.1101/2024.04.01.587366"), ("doi = ?", "10.1016/j.xgen.2025.100814"))
    # C. ChemCrow preprint (retitled "ChemCrow: ...") and Nature Machine Intelligence article
    assert same(run, ("doi = ?", "10.1038/s42256-024-00832-8"), ("arxiv_id = ?", "2304.05376"))
    # P. Wakefield: "RETRACTED: " prefix in Crossref/OpenAlex, not in PubMed
    assert same(run, ("doi = ?", "10.1016/s0140-6736(97)11096-0"), ("pmid = ?", "9500320"))
    # S. "CPviolation in theBsystem" joins its arXiv preprint by DOI
    assert same(run, ("doi = ?", "10.1088/1361-6633/aa5514"))


def test_hard_negatives_stay_apart(run):
    # H. same title, journal, year, no authors: only DOI/volume/page differ
    assert not same(run, ("doi = ?", "10.1007/s40278-023-41815-2"), ("doi = ?", "10.1007/s40278-023-33114-1"))
    # TeVeS paper, its erratum and another Bekenstein paper of the same volume
    assert not same(run, ("doi = ?", "10.1103/physrevd.70.083509"), ("title ILIKE 'Erratum%' AND doi LIKE '10.1103/%'",))
    assert not same(run, ("doi = ?", "10.1103/physrevd.70.083509"), ("doi = ?", "10.1103/physrevd.70.121502"))
    # look-alike titles
    attention = cluster_of(run, "arxiv_id = ?", "1706.03762")
    lookalikes = cluster_of(run, "title ILIKE '%Attention Is All You Need%' AND title NOT ILIKE 'Attention Is All You Need'")
    assert not attention & lookalikes
    resnet = cluster_of(run, "doi = ?", "10.1109/cvpr.2016.90")
    survey = cluster_of(run, "title ILIKE 'Deep Residual Learning for Image Recognition: A Survey%'")
    assert not resnet & survey
    # two peer reviews with the same title are different works, and neither is the reviewed paper
    reviews = run.execute("SELECT DISTINCT c.cluster_id FROM clusters c JOIN records r USING (record_id) "
                          "WHERE r.title ILIKE 'Review of:%Superposition in Transformers%'").fetchall()
    assert len(reviews) == 2


def test_works_parquet_survivorship(run):
    # the published version wins: ResNet's work has the CVPR DOI and also lists the arXiv id
    row = run.execute("""SELECT w.doi, w.arxiv_ids, w.year, w.n_records FROM works w
        WHERE list_contains(w.dois, '10.1109/cvpr.2016.90')""").fetchall()
    assert row and row[0][0] == "10.1109/cvpr.2016.90" and "1512.03385" in row[0][1]
    assert row[0][2] == 2015  # earliest year of any version

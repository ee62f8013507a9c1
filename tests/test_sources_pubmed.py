"""PubMed formats: efetch / baseline XML and esummary JSON (db=pubmed and db=pmc)."""

import gzip
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources" / "pubmed"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

BASELINE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">9500320</PMID>
    <Article PubModel="Print">
      <Journal>
        <JournalIssue CitedMedium="Print"><Volume>351</Volume><Issue>9103</Issue>
          <PubDate><Year>1998</Year><Month>Feb</Month><Day>28</Day></PubDate></JournalIssue>
        <Title>Lancet (London, England)</Title><ISOAbbreviation>Lancet</ISOAbbreviation>
      </Journal>
      <ArticleTitle>Ileal-lymphoid-nodular hyperplasia in <i>children</i>.</ArticleTitle>
      <Pagination><MedlinePgn>637-41</MedlinePgn></Pagination>
      <ELocationID EIdType="pii" ValidYN="Y">S0140673697110960</ELocationID>
      <ELocationID EIdType="doi" ValidYN="Y">10.1016/S0140-6736(97)11096-0</ELocationID>
      <Abstract>
        <AbstractText Label="BACKGROUND">We investigated children.</AbstractText>
        <AbstractText Label="FINDINGS">Onset of symptoms.</AbstractText>
      </Abstract>
      <AuthorList CompleteYN="Y">
        <Author ValidYN="Y"><LastName>Wakefield</LastName><ForeName>A J</ForeName><Initials>AJ</Initials></Author>
        <Author ValidYN="Y"><LastName>Walker-Smith</LastName><Initials>JA</Initials></Author>
        <Author ValidYN="Y"><CollectiveName>The UK <i>Study</i> Group</CollectiveName></Author>
      </AuthorList>
      <PublicationTypeList>
        <PublicationType UI="D016428">Journal Article</PublicationType>
        <PublicationType UI="D016441">Retracted Publication</PublicationType>
      </PublicationTypeList>
    </Article>
  </MedlineCitation>
  <PubmedData>
    <ArticleIdList><ArticleId IdType="pubmed">9500320</ArticleId></ArticleIdList>
    <ReferenceList><Reference><Citation>Other paper.</Citation>
      <ArticleIdList><ArticleId IdType="doi">10.9999/not-this-one</ArticleId></ArticleIdList>
    </Reference></ReferenceList>
  </PubmedData>
</PubmedArticle>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">23193287</PMID>
    <Article PubModel="Print-Electronic">
      <Journal>
        <JournalIssue CitedMedium="Internet"><Volume>41</Volume><Issue>Database issue</Issue>
          <PubDate><Year>2013</Year><Month>01</Month></PubDate></JournalIssue>
        <Title>Nucleic acids research</Title>
      </Journal>
      <ArticleTitle>GenBank.</ArticleTitle>
      <AuthorList><Author><LastName>Benson</LastName><ForeName>Dennis A</ForeName></Author></AuthorList>
      <PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList>
    </Article>
  </MedlineCitation>
  <PubmedData>
    <ArticleIdList>
      <ArticleId IdType="pubmed">23193287</ArticleId>
      <ArticleId IdType="doi">10.1093/nar/gks1195</ArticleId>
      <ArticleId IdType="pmc">PMC3531190</ArticleId>
    </ArticleIdList>
  </PubmedData>
</PubmedArticle>
<DeleteCitation><PMID Version="1">12345</PMID></DeleteCitation>
</PubmedArticleSet>
"""


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="pubmed", format=fmt, paths=[str(p) for p in paths])])["pubmed"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


@needs_shared
@pytest.mark.parametrize(
    "file, fmt, loaded, skipped",
    [
        ("pubmed_efetch_19129924.xml", "pubmed", 1, 0),
        ("pubmed_efetch_31393839.xml", "pubmed", 1, 0),
        ("pubmed_esummary_json_wakefield_molegro_genbank.json", "pubmed_esummary", 3, 1),  # + unknown uid
        ("pubmed_esummary_json_db_pmc_genbank.json", "pubmed_esummary", 1, 1),
    ],
)
def test_fixture_files_load_by_auto_detection(file, fmt, loaded, skipped):
    assert detect_format(FIXTURES / file).name == fmt
    con, counts = load(FIXTURES / file)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, skipped)


@needs_shared
def test_efetch_fixture_values():
    con, _ = load(FIXTURES / "pubmed_efetch_19129924.xml", FIXTURES / "pubmed_efetch_31393839.xml")
    recs = records(con)
    pymoose = recs["19129924"]
    assert (pymoose["pmid"], pymoose["doi"]) == ("19129924", "10.3389/neuro.11.006.2008")
    assert pymoose["title"] == "PyMOOSE: Interoperable Scripting in Python for MOOSE."
    assert pymoose["authors"] == ["Subhasis Ray", "Upinder S Bhalla"]
    assert (pymoose["venue"], pymoose["volume"], pymoose["pages"], pymoose["year"]) == (
        "Frontiers in neuroinformatics", "2", "6", 2008)
    assert pymoose["abstract"].startswith("Python is emerging as a common scripting language")
    assert pymoose["work_type"] == "journal article"
    keim = recs["31393839"]  # MedlineDate, no DOI
    assert (keim["year"], keim["publication_date"], keim["doi"]) == (2019, "2019", None)
    assert (keim["issue"], keim["authors"]) == ("6", ["Robert G Keim"])


def test_own_baseline_file(tmp_path):
    path = tmp_path / "pubmed25n0001.xml.gz"
    path.write_bytes(gzip.compress(BASELINE.encode()))
    con, counts = load(path)
    assert (counts.loaded, counts.rejected, counts.skipped) == (2, 0, 0)  # DeleteCitation is not a record
    recs = records(con)
    wakefield = recs["9500320"]
    assert wakefield["doi"] == "10.1016/s0140-6736(97)11096-0"  # from ELocationID, not the reference list
    assert wakefield["title"] == "Ileal-lymphoid-nodular hyperplasia in children."
    assert wakefield["authors"] == ["A J Wakefield", "JA Walker-Smith", "The UK Study Group"]
    assert wakefield["publication_date"] == "1998-02-28"
    assert wakefield["abstract"] == "BACKGROUND: We investigated children. FINDINGS: Onset of symptoms."
    assert wakefield["urls"] == ["https://pubmed.ncbi.nlm.nih.gov/9500320/"]
    genbank = recs["23193287"]
    assert (genbank["doi"], genbank["publication_date"], genbank["issue"]) == (
        "10.1093/nar/gks1195", "2013-01", "Database issue")


@needs_shared
def test_esummary_fixture_values():
    con, _ = load(FIXTURES / "pubmed_esummary_json_wakefield_molegro_genbank.json",
                  FIXTURES / "pubmed_esummary_json_db_pmc_genbank.json")
    recs = records(con)
    wakefield = recs["9500320"]
    assert (wakefield["pmid"], wakefield["doi"]) == ("9500320", "10.1016/s0140-6736(97)11096-0")
    assert wakefield["authors"][:2] == ["Wakefield AJ", "Murch SH"]
    assert (wakefield["publication_date"], wakefield["year"], wakefield["pages"]) == ("1998-02-28", 1998, "637-41")
    assert wakefield["venue"] == "Lancet (London, England)"
    assert recs["31452104"]["doi"] == "10.1007/978-1-4939-9752-7_10"  # only in elocationid
    pmc = recs["PMC3531190"]  # db=pmc: uid is the PMC number
    assert (pmc["pmid"], pmc["doi"], pmc["publication_date"]) == ("23193287", "10.1093/nar/gks1195", "2013-01")
    assert recs["23193287"]["pmid"] == "23193287"


def test_broken_esummary_is_one_rejected_item(tmp_path):
    path = tmp_path / "esummary.json"
    path.write_text('{"header": {"type": "esummary"}, "result": {"uids": ["1"], "1": {')
    con, counts = load(path)
    assert (counts.loaded, counts.rejected) == (0, 1)


def test_esummary_in_uid_order(tmp_path):
    result = {"uids": ["2", "1"], "1": {"uid": "1", "title": "One."}, "2": {"uid": "2", "title": "Two."}}
    path = tmp_path / "esummary.json"
    path.write_text(json.dumps({"header": {"type": "esummary"}, "result": result}))
    con, _ = load(path)
    assert con.execute("SELECT source_id FROM records ORDER BY position").fetchall() == [("2",), ("1",)]

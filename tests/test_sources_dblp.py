"""DBLP formats: the XML dump (streamed, HTML entities without the DTD) and the search API JSON."""

import gzip
import io
import json
from pathlib import Path

import pytest

from paperlink.db import connect
from paperlink.records.load import SourceSpec, load_sources
from paperlink.sources import detect_format, dblp
from paperlink.sources.base import InputFileError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures" / "sources" / "dblp"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared fixtures not present")

DUMP = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE dblp SYSTEM "dblp.dtd">
<dblp>
<inproceedings key="conf/cvpr/HeZRS16" mdate="2021-10-14">
<author pid="h/KaimingHe">Kaiming He</author>
<author>Xiangyu Zhang 0005</author>
<author>Shaoqing Ren</author>
<author pid="s/JianSun1">Jian Sun 0001</author>
<title>Deep Residual Learning for Image Recognition.</title>
<pages>770-778</pages>
<year>2016</year>
<booktitle>CVPR</booktitle>
<ee>https://doi.org/10.1109/CVPR.2016.90</ee>
<crossref>conf/cvpr/2016</crossref>
<url>db/conf/cvpr/cvpr2016.html#HeZRS16</url>
</inproceedings>
<article key="journals/corr/VaswaniSPUJGKP17" mdate="2018-08-13" publtype="informal">
<author>Ashish Vaswani</author>
<author>&Lstrok;ukasz Kaiser</author>
<author>J&ouml;rg M&uuml;ller &amp; Co</author>
<title>Attention Is All You Need<sup>*</sup> for <i>Transformers</i>.</title>
<journal>CoRR</journal>
<volume>abs/1706.03762</volume>
<year>2017</year>
<ee type="oa">http://arxiv.org/abs/1706.03762</ee>
</article>
<www key="homepages/s/JianSun1" mdate="2020-01-01"><author>Jian Sun 0001</author><title>Home Page</title></www>
</dblp>
"""


def load(*paths, fmt="auto"):
    con = connect()
    counts = load_sources(con, [SourceSpec(name="dblp", format=fmt, paths=[str(p) for p in paths])])["dblp"]
    return con, counts


def records(con) -> dict[str, dict]:
    cur = con.execute("SELECT * FROM records")
    names = [d[0] for d in cur.description]
    return {r["source_id"]: r for r in (dict(zip(names, row)) for row in cur.fetchall())}


@needs_shared
@pytest.mark.parametrize(
    "file, fmt, loaded, skipped",
    [
        ("dblp_xml_dump_excerpt_fatcat_test.xml", "dblp", 4, 1),  # + one <www> homepage
        ("dblp_xml_record_modern_pid_format.xml", "dblp", 1, 0),
        ("dblp_search_publ_api_json_page_first20.json", "dblp_search", 20, 0),
    ],
)
def test_fixture_files_load_by_auto_detection(file, fmt, loaded, skipped):
    assert detect_format(FIXTURES / file).name == fmt
    con, counts = load(FIXTURES / file)
    assert (counts.loaded, counts.rejected, counts.skipped) == (loaded, 0, skipped)


@needs_shared
def test_dump_excerpt_values():
    con, _ = load(FIXTURES / "dblp_xml_dump_excerpt_fatcat_test.xml")
    recs = records(con)
    norrie = recs["conf/er/Norrie08"]
    assert norrie["authors"] == ["Moira C. Norrie", "Michael H. Böhlen"]  # &ouml; in an ISO-8859-1 file
    assert (norrie["year"], norrie["venue"], norrie["pages"], norrie["work_type"]) == (2008, "ER", "15-25", "inproceedings")
    gentry = recs["journals/cacm/Gentry10"]
    assert (gentry["venue"], gentry["volume"], gentry["issue"]) == ("Commun. ACM", "53", "3")
    assert gentry["doi"] == "10.1145/1666420.1666444"  # doi.acm.org resolver link
    assert recs["conf/focs/Yao82a"]["doi"] == "10.1109/sfcs.1982.45"
    assert recs["conf/er/2008"]["work_type"] == "proceedings"
    assert "homepages/g/OdedGoldreich" not in recs


@needs_shared
def test_modern_record_values():
    con, _ = load(FIXTURES / "dblp_xml_record_modern_pid_format.xml")
    rec = records(con)["conf/acl/ChangSRM23"]
    assert rec["authors"] == ["Haw-Shiuan Chang", "Ruei-Yao Sun", "Kathryn Ricci", "Andrew McCallum"]
    assert rec["doi"] == "10.18653/v1/2023.acl-long.48"
    assert "https://aclanthology.org/2023.acl-long.48" in rec["urls"]


def test_own_dump_entities_dois_and_corr(tmp_path):
    path = tmp_path / "dblp.xml.gz"
    path.write_bytes(gzip.compress(DUMP.encode("iso-8859-1")))
    con, counts = load(path)
    assert (counts.loaded, counts.skipped, counts.rejected) == (2, 1, 0)
    recs = records(con)
    resnet = recs["conf/cvpr/HeZRS16"]
    assert resnet["doi"] == "10.1109/cvpr.2016.90"
    assert resnet["authors"] == ["Kaiming He", "Xiangyu Zhang 0005", "Shaoqing Ren", "Jian Sun 0001"]
    assert resnet["urls"] and "https://dblp.org/rec/conf/cvpr/HeZRS16" in resnet["urls"]
    corr = recs["journals/corr/VaswaniSPUJGKP17"]
    assert corr["authors"] == ["Ashish Vaswani", "Łukasz Kaiser", "Jörg Müller & Co"]
    assert corr["title"] == "Attention Is All You Need* for Transformers."
    assert (corr["arxiv_id"], corr["doi"], corr["venue"]) == ("1706.03762", None, "CoRR")


def test_corr_volume_gives_arxiv_id_without_an_arxiv_link(tmp_path):
    path = tmp_path / "corr.xml"
    path.write_text(
        '<article key="journals/corr/cs-AI-0101001" mdate="2020-01-01"><author>A B</author>'
        "<title>Old.</title><journal>CoRR</journal><volume>cs.AI/0101001</volume><year>2001</year></article>"
    )
    con, _ = load(path)
    assert records(con)["journals/corr/cs-AI-0101001"]["arxiv_id"] == "cs.AI/0101001"


def test_entities_split_across_read_chunks(monkeypatch):
    monkeypatch.setattr(dblp, "READ_BYTES", 3)
    data = b"<a>B&ouml;hlen &amp; &Lstrok;ukasz &unknown; &#252;</a>"
    out = b"".join(dblp.expand_entities(io.BytesIO(data)))
    assert out == b"<a>B&#246;hlen &amp; &#321;ukasz &unknown; &#252;</a>"


def test_broken_xml_keeps_records_before_the_error(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text(DUMP.split("<www")[0] + "<article key='x'><title>cut")
    con, counts = load(path)
    assert counts.loaded == 2 and counts.rejected == 1
    reason = con.execute("SELECT reason FROM rejected_records").fetchone()[0]
    assert reason.startswith("invalid XML after record 2")


def test_search_api_author_shapes(tmp_path):
    hit = lambda key, authors: {"@score": "1", "info": {  # noqa: E731
        "authors": {"author": authors}, "title": f"T {key}.", "venue": "V", "year": "2020",
        "type": "Journal Articles", "key": key, "doi": "10.1002/STVR.1560",
        "ee": ["https://doi.org/10.1002/stvr.1560", "https://example.org/x"], "url": f"https://dblp.org/rec/{key}"}}
    page = {"result": {"hits": {"@total": "4", "hit": [
        hit("a/one", "Irith Pomeranz"),
        hit("a/list", ["Ann Lee", "Bo Li"]),
        hit("a/obj", {"@pid": "1/2", "text": "Jian Sun 0001"}),
        hit("a/objs", [{"@pid": "1", "text": "Ann Lee"}, {"@pid": "2", "text": "Bo Li 0002"}]),
    ]}}}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    con, counts = load(path)
    assert counts.loaded == 4
    recs = records(con)
    assert recs["a/one"]["authors"] == ["Irith Pomeranz"]
    assert recs["a/list"]["authors"] == ["Ann Lee", "Bo Li"]
    assert recs["a/obj"]["authors"] == ["Jian Sun 0001"]
    assert recs["a/objs"]["authors"] == ["Ann Lee", "Bo Li 0002"]
    assert recs["a/one"]["doi"] == "10.1002/stvr.1560"
    assert "https://example.org/x" in recs["a/one"]["urls"]


@needs_shared
def test_search_api_fixture_values():
    con, _ = load(FIXTURES / "dblp_search_publ_api_json_page_first20.json")
    recs = records(con)
    assert recs["conf/date/Pomeranz14"]["authors"] == ["Irith Pomeranz"]  # single author, not a list
    stvr = recs["journals/stvr/BruckerJ14"]
    assert (stvr["doi"], stvr["volume"], stvr["issue"], stvr["year"]) == ("10.1002/stvr.1560", "24", "7", 2014)


@needs_shared
@pytest.mark.parametrize("file", ["dblp_sparql_full_record_resnet_trimmed.json", "dblp_sparql_title_prefix_attention.json"])
def test_sparql_json_is_not_claimed(file):
    with pytest.raises(InputFileError, match="cannot tell the format"):
        detect_format(FIXTURES / file)

"""Fuzz cases for every source loader: a valid minimal record per format, mutated.

Shared by ``tests/test_fuzz.py`` (a fast hypothesis subset) and ``benchmarks/fuzz/run.py`` (the
long run).  One *case* is one generated item (a record, mutated or not, or a placeholder); many
cases go into one file, so one load checks a whole batch of them.

Every generator takes a ``random.Random`` (hypothesis's ``st.randoms()`` in the tests, a seeded
one in the benchmark) and builds:

* items: each a record of the format, valid (``good``), a copy of an earlier good record's id
  (``dup``), structurally mutated but still well-formed (``mutated``: wrong types, nested nulls,
  missing/empty fields, huge or odd strings, non-objects), with bad bytes inside a string value
  (``tainted``: invalid UTF-8, raw control characters) or with its syntax damaged (``broken``:
  truncated, bad bytes anywhere);
* a container: JSON Lines, a JSON array, an API page, an XML document, CSV or Parquet, with
  file-level damage on top (BOM, CRLF, blank lines, truncation, gzip, truncated gzip).

:func:`check` loads the file with the real loader and asserts the invariants: no exception;
``input = loaded + rejected`` (and ``+ skipped`` = the items the readers produced), the same as
the rows in ``records``/``rejected_records``; every rejected row has a reason; every intact good
record loads with its id and title; every intact duplicate is rejected as a duplicate; damage
that a format can confine to one record (a JSON line, bad bytes in a string) does not cost the
good records after it; and a damaged file reports at least one rejection.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

TITLE = "Fuzz title {i} on robust loading"

# values that replace a field: wrong types, nested nulls, empties, odd strings
ODD_VALUES: list = [
    None, 0, -1, 1, 2**31, 2**63 - 1, -(2**63), 1.5, -0.0, 1e300, True, False,
    "", " ", "x", "null", "NaN", "[]", "{}", "0", "-1", "1e999", "2020-13-45", "\u00e9\u00e8",
    "\u202e\u200b\ufeff", "\U0001f600", "\ufffd", "<b>x</b>", "&amp;&unknown;", "a\\b", "'; DROP TABLE records; --",
    [], [None], [[None]], [1, "a", None], [{}], [[]], {}, {"a": None}, {"": []}, {"value": None},
    {"name": None}, [{"name": 5}], [{"author": None}], {"date-parts": [[None]]}, {"date-parts": 2020},
]
ODD_STRINGS = ["\u00e9", "\U0001f600", "\u202e", "\u200b", "\u2028", "\u0085", "\ufffd", "\\", '"', "'", "<", "&", "\t"]
CONTROL = [chr(c) for c in range(0x20) if c not in (9, 10, 13)] + ["\x7f"]
BAD_UTF8 = [b"\xff", b"\xfe", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\x80"]
HUGE = 10 * 1024 * 1024


@dataclass
class Item:
    kind: str  # good, dup, mutated, tainted, broken
    source_id: str | None  # the id a good/dup item must load (or be rejected) under
    title: str | None
    text: bytes = b""  # serialised (line/document containers)
    start: int = 0  # byte offsets in the uncompressed file
    end: int = 0


@dataclass
class Case:
    """One generated file and what its loading must show."""

    fmt: str
    container: str
    items: list[Item]
    content: bytes  # the file's bytes (compressed if gzip)
    suffix: str
    intact_len: int  # uncompressed bytes that survive truncation
    damaged: bool  # file-level damage (truncation) was applied
    columns: dict[str, str] = field(default_factory=dict)
    gz_truncated: bool = False  # a gzip stream that breaks off (always detectable)
    lost_nonblank: bool = False  # truncation removed more than whitespace


# ----------------------------------------------------------------------------- records per format


def _authors_csl():
    return [{"given": "Ada", "family": "Lovelace"}, {"given": "Alan", "family": "Turing"}]


def rec_openalex(i):
    return {"id": f"https://openalex.org/W{100000 + i}", "title": TITLE.format(i=i), "publication_year": 2020,
            "authorships": [{"author": {"display_name": "Ada Lovelace"}}, {"author": {"display_name": "Alan Turing"}}],
            "doi": f"https://doi.org/10.5555/oa.{i}", "type": "article",
            "abstract_inverted_index": {"Robust": [0], "loading": [1]}}


def rec_crossref(i):
    return {"DOI": f"10.5555/fz.{i}", "title": [TITLE.format(i=i)], "author": _authors_csl(),
            "issued": {"date-parts": [[2020, 1, 2]]}, "type": "journal-article", "reference-count": 0,
            "container-title": ["Journal of Fuzzing"], "page": "1-10"}


def rec_semantic_scholar(i):
    return {"paperId": f"fz{i:038x}", "title": TITLE.format(i=i), "authors": [{"name": "Ada Lovelace"}],
            "year": 2020, "externalIds": {"DOI": f"10.5555/s2.{i}"}, "venue": "FuzzConf"}


def rec_arxiv(i):
    return {"id": f"2001.{10000 + i:05d}", "title": TITLE.format(i=i), "authors": "Ada Lovelace and Alan Turing",
            "authors_parsed": [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]], "abstract": "Robust loading.",
            "versions": [{"version": "v1", "created": "Mon, 6 Jan 2020 00:00:00 GMT"}]}


def rec_paperswithcode(i):
    return {"id": f"fuzz-paper-{i}", "title": TITLE.format(i=i), "authors": ["Ada Lovelace"],
            "published": "2020-01-02", "url_abs": f"https://arxiv.org/abs/2001.{10000 + i:05d}", "arxiv_id": None}


def rec_datacite(i):
    return {"id": f"10.5555/dc.{i}", "type": "dois", "attributes": {
        "doi": f"10.5555/dc.{i}", "titles": [{"title": TITLE.format(i=i)}],
        "creators": [{"name": "Lovelace, Ada", "givenName": "Ada", "familyName": "Lovelace"}],
        "publicationYear": 2020, "types": {"resourceTypeGeneral": "Text"}}}


def rec_dblp_search(i):
    return {"@score": "1", "@id": str(i), "info": {
        "key": f"journals/fz/Fuzz{i}", "title": TITLE.format(i=i),
        "authors": {"author": [{"@pid": "1", "text": "Ada Lovelace"}, {"@pid": "2", "text": "Alan Turing"}]},
        "venue": "J. Fuzz", "year": "2020", "type": "Journal Articles", "ee": f"https://doi.org/10.5555/db.{i}"}}


def rec_pubmed_esummary(i):
    return {"uid": str(30000000 + i), "title": TITLE.format(i=i), "authors": [{"name": "Lovelace A"}],
            "pubdate": "2020 Jan 2", "fulljournalname": "Journal of Fuzzing",
            "articleids": [{"idtype": "pubmed", "value": str(30000000 + i)}, {"idtype": "doi", "value": f"10.5555/pm.{i}"}]}


def rec_search_export(i):
    return {"id": f"se-{i}", "title": TITLE.format(i=i), "authors": ["Ada Lovelace", "Alan Turing"],
            "publication_date": "2020-01-02 00:00:00", "source": "SupportedSources.CROSSREF",
            "doi": f"10.5555/se.{i}", "urls": ["https://example.org/x"]}


def rec_unpaywall(i):
    return {"doi": f"10.5555/up.{i}", "title": TITLE.format(i=i), "z_authors": [{"given": "Ada", "family": "Lovelace"}],
            "year": 2020, "journal_name": "Journal of Fuzzing", "oa_locations": [], "genre": "journal-article"}


def rec_fatcat(i):
    return {"ident": f"fz{i:024d}", "title": TITLE.format(i=i), "state": "active", "release_type": "article-journal",
            "contribs": [{"raw_name": "Ada Lovelace", "role": "author"}], "release_year": 2020,
            "ext_ids": {"doi": f"10.5555/fc.{i}"}}


def rec_core(i):
    return {"id": 5000000 + i, "title": TITLE.format(i=i), "authors": [{"name": "Lovelace, Ada"}],
            "yearPublished": 2020, "doi": f"10.5555/co.{i}", "sourceFulltextUrls": []}


def rec_openreview(i):
    return {"id": f"fzNote{i}", "forum": f"fzNote{i}", "cdate": 1577836800000, "content": {
        "title": {"value": TITLE.format(i=i)}, "authors": {"value": ["Ada Lovelace"]}, "venue": {"value": "ICLR 2020"}}}


def rec_table(i):
    return {"id": f"row{i}", "title": TITLE.format(i=i), "authors": "Ada Lovelace; Alan Turing", "year": "2020",
            "venue": "Fuzz Conf"}


# XML records are trees: [tag, {attrs}, text or [children]]


def xml_dblp(i):
    return ["article", {"key": f"journals/fz/Fuzz{i}", "mdate": "2020-01-02"},
            [["author", {}, "Ada Lovelace"], ["author", {}, "Alan Turing"], ["title", {}, TITLE.format(i=i)],
             ["journal", {}, "J. Fuzz"], ["year", {}, "2020"], ["ee", {}, f"https://doi.org/10.5555/dblp.{i}"]]]


def xml_pubmed(i):
    return ["PubmedArticle", {}, [
        ["MedlineCitation", {"Status": "MEDLINE"}, [
            ["PMID", {"Version": "1"}, str(20000000 + i)],
            ["Article", {}, [
                ["Journal", {}, [["Title", {}, "Journal of Fuzzing"],
                                 ["JournalIssue", {}, [["PubDate", {}, [["Year", {}, "2020"], ["Month", {}, "Jan"]]]]]]],
                ["ArticleTitle", {}, TITLE.format(i=i)],
                ["AuthorList", {}, [["Author", {}, [["LastName", {}, "Lovelace"], ["ForeName", {}, "Ada"]]]]]]]]],
        ["PubmedData", {}, [["ArticleIdList", {}, [["ArticleId", {"IdType": "doi"}, f"10.5555/pmx.{i}"]]]]]]]


def xml_arxiv(i):
    return ["entry", {}, [
        ["id", {}, f"http://arxiv.org/abs/2002.{10000 + i:05d}v1"], ["title", {}, TITLE.format(i=i)],
        ["summary", {}, "Robust loading."], ["published", {}, "2020-02-01T00:00:00Z"],
        ["author", {}, [["name", {}, "Ada Lovelace"]]], ["link", {"href": f"http://arxiv.org/abs/2002.{10000 + i:05d}v1"}, ""]]]


@dataclass
class Format:
    name: str
    kind: str  # json, xml, esummary, csv, parquet
    record: object
    source_id: object  # i -> the source_id the loader gives a valid record
    containers: tuple[str, ...] = ()
    page: tuple[bytes, bytes] = (b"", b"")  # prefix/suffix around the items of an API page
    wrap: tuple[bytes, bytes] = (b"", b"")  # around each item inside a page (search hits)
    xml_head: bytes = b""
    xml_tail: bytes = b""


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("openalex", "json", rec_openalex, lambda i: f"W{100000 + i}", ("jsonl", "array", "page"),
           (b'{"meta": {"count": 1, "page": 1}, "results": [', b'], "group_by": []}')),
    Format("crossref", "json", rec_crossref, lambda i: f"10.5555/fz.{i}", ("jsonl", "array", "page"),
           (b'{"status": "ok", "message-type": "work-list", "message": {"total-results": 1, "items": [', b"]}}")),
    Format("semantic_scholar", "json", rec_semantic_scholar, lambda i: f"fz{i:038x}", ("jsonl", "array", "page"),
           (b'{"total": 1, "offset": 0, "data": [', b"]}")),
    Format("arxiv", "json", rec_arxiv, lambda i: f"2001.{10000 + i:05d}", ("jsonl", "array")),
    Format("paperswithcode", "json", rec_paperswithcode, lambda i: f"fuzz-paper-{i}", ("jsonl", "array", "page"),
           (b'{"count": 1, "next": null, "results": [', b"]}")),
    Format("datacite", "json", rec_datacite, lambda i: f"10.5555/dc.{i}", ("jsonl", "array", "page"),
           (b'{"data": [', b'], "meta": {"total": 1}}')),
    Format("dblp_search", "json", rec_dblp_search, lambda i: f"journals/fz/Fuzz{i}", ("jsonl", "page"),
           (b'{"result": {"query": "fuzz*", "hits": {"@total": "1", "hit": [', b"]}}}")),
    Format("search_export", "json", rec_search_export, lambda i: f"se-{i}", ("jsonl", "array")),
    Format("unpaywall", "json", rec_unpaywall, lambda i: f"10.5555/up.{i}", ("jsonl", "page"),
           (b'{"results": [', b"]}"), (b'{"score": 1.5, "response": ', b', "snippet": "x"}')),
    Format("fatcat", "json", rec_fatcat, lambda i: f"fz{i:024d}", ("jsonl", "page"),
           (b'{"took": 1, "hits": {"total": 1, "hits": [', b"]}}"), (b'{"_index": "fatcat_release", "_source": ', b"}")),
    Format("core", "json", rec_core, lambda i: str(5000000 + i), ("jsonl", "page"),
           (b'{"totalHits": 1, "limit": 10, "offset": 0, "results": [', b"]}")),
    Format("openreview", "json", rec_openreview, lambda i: f"fzNote{i}", ("jsonl", "page"),
           (b'{"notes": [', b'], "count": 1}')),
    Format("pubmed_esummary", "esummary", rec_pubmed_esummary, lambda i: str(30000000 + i), ("esummary",)),
    Format("dblp", "xml", xml_dblp, lambda i: f"journals/fz/Fuzz{i}", ("xml",),
           xml_head=b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n',
           xml_tail=b"</dblp>\n"),
    Format("pubmed", "xml", xml_pubmed, lambda i: str(20000000 + i), ("xml",),
           xml_head=b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2019//EN" '
                    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_190101.dtd">\n<PubmedArticleSet>\n',
           xml_tail=b"</PubmedArticleSet>\n"),
    Format("arxiv_atom", "xml", xml_arxiv, lambda i: f"2002.{10000 + i:05d}", ("xml",),
           xml_head=b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
                    b'xmlns:arxiv="http://arxiv.org/schemas/atom">\n<title>query</title>\n',
           xml_tail=b"</feed>\n"),
    Format("csv", "csv", rec_table, lambda i: f"row{i}", ("csv",)),
    Format("parquet", "parquet", rec_table, lambda i: f"row{i}", ("parquet",)),
]}

# the paperlink format each fuzz format loads with
LOADER = {name: ("arxiv" if name == "arxiv_atom" else name) for name in FORMATS}
TABLE_COLUMNS = {"source_id": "id", "title": "title", "authors": "authors", "year": "year", "venue": "venue"}


def loaders() -> list[str]:
    return list(FORMATS)


# ----------------------------------------------------------------------------- mutations (structure)


def _paths(value, prefix=()):
    """Every (path) to a value inside nested dicts/lists."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(prefix + (k,))
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for k, v in enumerate(value):
            out.append(prefix + (k,))
            out.extend(_paths(v, prefix + (k,)))
    return out


def _get_parent(obj, path):
    for k in path[:-1]:
        obj = obj[k]
    return obj


def _odd_string(rnd: Random, base: str = "") -> str:
    kind = rnd.randrange(6)
    if kind == 0:
        return base + rnd.choice(ODD_STRINGS) * rnd.randint(1, 3)
    if kind == 1:
        return "x" * rnd.choice([1000, 70000, 300000])
    if kind == 2:
        return "".join(rnd.choice(ODD_STRINGS + ["a", " ", "."]) for _ in range(rnd.randint(1, 20)))
    if kind == 3:
        return "\ud800" + base  # a lone surrogate (only escaped JSON can carry it)
    if kind == 4:
        return " " * rnd.randint(1, 5)
    return base[: rnd.randint(0, len(base))] if base else ""


def mutate_json(rnd: Random, rec: dict) -> tuple[object, str]:
    """A structural mutation of a JSON record; returns (value, description)."""
    rec = json.loads(json.dumps(rec))
    paths = _paths(rec)
    op = rnd.choice(["type", "type", "delete", "empty", "nulls", "string", "nonobject", "deep", "many"])
    if op == "nonobject":
        return rnd.choice([None, 42, "a string", [], [rec], [1, 2], True, 1.5, {}]), "non-object item"
    if op == "deep":
        rec[rnd.choice(list(rec))] = "\x00DEEP\x00"  # replaced by deep nesting when serialised
        return rec, "deeply nested value"
    if op == "many":
        for _ in range(rnd.randint(2, 6)):
            p = rnd.choice(_paths(rec) or [("x",)])
            try:
                _get_parent(rec, p)[p[-1]] = copy.deepcopy(rnd.choice(ODD_VALUES))
            except (KeyError, IndexError, TypeError):
                pass
        return rec, "several wrong types"
    path = rnd.choice(paths)
    parent = _get_parent(rec, path)
    key = path[-1]
    if op == "type":
        parent[key] = copy.deepcopy(rnd.choice(ODD_VALUES))
    elif op == "delete":
        del parent[key]
    elif op == "empty":
        v = parent[key]
        parent[key] = "" if isinstance(v, str) else [] if isinstance(v, list) else {} if isinstance(v, dict) else None
    elif op == "nulls":
        for p in paths:
            if rnd.random() < 0.4:
                try:
                    _get_parent(rec, p)[p[-1]] = None
                except (KeyError, IndexError, TypeError):
                    pass
    elif op == "string":
        v = parent[key]
        parent[key] = _odd_string(rnd, v if isinstance(v, str) else "")
    return rec, f"{op} at {'/'.join(map(str, path))}"


def dumps_json(rnd: Random, value) -> bytes:
    try:
        text = json.dumps(value, ensure_ascii=rnd.random() < 0.3, indent=None if rnd.random() < 0.8 else 1)
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: only escaped
        text = json.dumps(value, ensure_ascii=True)
    if "\\u0000DEEP\\u0000" in text or "\x00DEEP\x00" in text:
        depth = rnd.choice([50, 600, 3000])
        deep = "[" * depth + "]" * depth if rnd.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth
        text = text.replace('"\\u0000DEEP\\u0000"', deep).replace('"\x00DEEP\x00"', deep)
    if "\n" in text and rnd.random() < 1:  # one line per item (indent only used inside documents)
        text = text.replace("\n", " ")
    return text.encode("utf-8")


def taint_json(rnd: Random, rec: dict) -> tuple[bytes, str]:
    """Bad bytes inside one string value (invalid UTF-8 or a raw control character)."""
    marker = "\x01TAINT\x01"
    paths = [p for p in _paths(rec) if isinstance(_get_parent(rec, p)[p[-1]], str)]
    rec = json.loads(json.dumps(rec))
    if not paths:
        return dumps_json(rnd, rec), "no string to taint"
    p = rnd.choice(paths)
    parent = _get_parent(rec, p)
    v = parent[p[-1]]
    cut = rnd.randint(0, len(v))
    parent[p[-1]] = v[:cut] + marker + v[cut:]
    text = json.dumps(rec, ensure_ascii=False).encode("utf-8")
    bad = rnd.choice(BAD_UTF8) if rnd.random() < 0.6 else rnd.choice(CONTROL).encode()
    return text.replace(json.dumps(marker)[1:-1].encode(), bad), f"bad bytes {bad!r} in {'/'.join(map(str, p))}"


def break_bytes(rnd: Random, text: bytes) -> tuple[bytes, str]:
    """Damage the syntax: a proper prefix, or bad bytes (invalid UTF-8, control) anywhere."""
    op = rnd.choice(["truncate", "utf8", "control"])
    if op == "truncate" or len(text) < 2:
        cut = rnd.randint(1, max(1, len(text.rstrip()) - 1))
        return text[:cut], f"truncated at byte {cut}"
    pos = rnd.randint(0, len(text))
    bad = rnd.choice(BAD_UTF8) if op == "utf8" else rnd.choice(CONTROL).encode()
    return text[:pos] + bad + text[pos:], f"{bad!r} at byte {pos}"


# ----------------------------------------------------------------------------- XML


def _xml_escape(s: str, attr: bool = False) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if attr else s


def xml_dumps(node) -> str:
    tag, attrs, content = node
    a = "".join(f' {k}="{_xml_escape(str(v), True)}"' for k, v in attrs.items())
    if isinstance(content, list):
        inner = "".join(xml_dumps(c) for c in content)
    else:
        inner = _xml_escape(content)
    return f"<{tag}{a}>{inner}</{tag}>"


def _xml_nodes(node, out=None):
    out = [] if out is None else out
    out.append(node)
    if isinstance(node[2], list):
        for c in node[2]:
            _xml_nodes(c, out)
    return out


def mutate_xml(rnd: Random, node) -> tuple[object, str]:
    node = json.loads(json.dumps(node))
    nodes = _xml_nodes(node)
    target = rnd.choice(nodes)
    op = rnd.choice(["delete", "empty", "text", "nest", "repeat", "attr", "odd"])
    if op == "delete" and isinstance(target[2], list) and target[2]:
        target[2].pop(rnd.randrange(len(target[2])))
    elif op == "empty":
        target[2] = "" if rnd.random() < 0.5 else []
    elif op == "text":
        target[2] = _odd_string(rnd, target[2] if isinstance(target[2], str) else "").replace("\ud800", "")
    elif op == "nest":
        target[2] = [["i", {}, "nested"], ["b", {}, []]]
    elif op == "repeat" and isinstance(target[2], list) and target[2]:
        target[2].extend(json.loads(json.dumps(target[2])))
    elif op == "attr":
        target[1] = {} if rnd.random() < 0.5 else {"key": _odd_string(rnd).replace("\ud800", ""), "IdType": "doi"}
    else:
        target[2] = rnd.choice(["&#233;", "\u00e9\U0001f600", "a  b\n c", "x" * 5000])
    return node, f"xml {op} at <{target[0]}>"


def taint_xml(rnd: Random, node) -> tuple[bytes, str]:
    node = json.loads(json.dumps(node))
    texts = [n for n in _xml_nodes(node) if isinstance(n[2], str) and n[2]]
    marker = "TAINTMARK"
    if not texts:
        return xml_dumps(node).encode(), "no text to taint"
    target = rnd.choice(texts)
    cut = rnd.randint(0, len(target[2]))
    target[2] = target[2][:cut] + marker + target[2][cut:]
    bad = rnd.choice(BAD_UTF8) if rnd.random() < 0.6 else rnd.choice(CONTROL).encode()
    return xml_dumps(node).encode().replace(marker.encode(), bad), f"bad bytes {bad!r} in <{target[0]}>"


# ----------------------------------------------------------------------------- cases


def _item_plan(rnd: Random, n: int, weights: dict[str, float]) -> list[str]:
    kinds = list(weights)
    return [rnd.choices(kinds, [weights[k] for k in kinds])[0] for _ in range(n)]


def make_case(rnd: Random, fmt_name: str, n_items: int | None = None, huge: bool = False,
              container: str | None = None) -> Case:
    fmt = FORMATS[fmt_name]
    n = n_items if n_items is not None else rnd.randint(0, 40)
    container = container or rnd.choice(fmt.containers)
    weights = {"good": 0.45, "dup": 0.07, "mutated": 0.3, "tainted": 0.08, "broken": 0.1}
    if container in ("parquet",):
        weights = {"good": 0.55, "dup": 0.1, "mutated": 0.35}
    kinds = _item_plan(rnd, n, weights)
    goods: list[int] = []
    items: list[Item] = []
    base = rnd.randrange(0, 50000)  # ids differ between files
    huge_at = rnd.randrange(n) if huge and n else -1
    for k, kind in enumerate(kinds):
        i = base + k
        if kind == "dup" and not goods:
            kind = "good"
        if kind == "dup":
            orig = rnd.choice(goods)
            item = Item("dup", fmt.source_id(orig), TITLE.format(i=orig))
            i = orig
        else:
            item = Item(kind, fmt.source_id(i) if kind == "good" else None, TITLE.format(i=i) if kind == "good" else None)
        item.i = i  # type: ignore[attr-defined]
        if k == huge_at:
            item.kind, item.source_id, item.title = "mutated", None, None
            item.huge = True  # type: ignore[attr-defined]
        if item.kind == "good":
            goods.append(i)
        items.append(item)
    return _build(rnd, fmt, container, items, damage=True)


def _build(rnd: Random, fmt: Format, container: str, items: list[Item], damage: bool) -> Case:
    if fmt.kind in ("json", "esummary"):
        return _json_case(rnd, fmt, container, items, damage)
    if fmt.kind == "xml":
        return _xml_case(rnd, fmt, items, damage)
    if fmt.kind == "csv":
        return _csv_case(rnd, fmt, items, damage)
    return _parquet_case(rnd, fmt, items, damage)


def plain_case(fmt_name: str, kinds: list[str], container: str | None = None, seed: int = 0) -> Case:
    """A file of the given item kinds (good, dup, mutated, tainted, broken, huge) and no
    file-level damage; ``dup`` repeats the first good item's id."""
    rnd = Random(seed)
    fmt = FORMATS[fmt_name]
    items: list[Item] = []
    first_good = None
    for k, kind in enumerate(kinds):
        i = 70000 + k
        if kind == "dup":
            item = Item("dup", fmt.source_id(first_good), TITLE.format(i=first_good))
            i = first_good
        elif kind == "good":
            item = Item("good", fmt.source_id(i), TITLE.format(i=i))
            first_good = i if first_good is None else first_good
        else:
            item = Item("mutated" if kind == "huge" else kind, None, None)
            item.huge = kind == "huge"  # type: ignore[attr-defined]
        item.i = i  # type: ignore[attr-defined]
        items.append(item)
    return _build(rnd, fmt, container or fmt.containers[0], items, damage=False)


def truncate_gzip(case: Case, keep: float) -> Case:
    """The case's file gzipped and cut to ``keep`` of its compressed length."""
    data = _uncompressed(case)
    packed = gzip.compress(data, mtime=0)
    cut = packed[: max(10, int(len(packed) * keep))]
    recovered = zlib.decompressobj(wbits=31).decompress(cut)
    out = Case(case.fmt, case.container, case.items, cut, case.suffix + ".gz", min(case.intact_len, len(recovered)),
               True, dict(case.columns))
    out.gz_truncated = True
    out.lost_nonblank = bool(data[len(recovered):].strip()) and bool(recovered.strip(b" \t\r\n\xef\xbb\xbf"))
    return out


def _record_json(rnd: Random, fmt: Format, item: Item) -> bytes:
    rec = fmt.record(item.i)
    if getattr(item, "huge", False):
        rec = dict(rec)
        rec["abstract"] = "robust " * (HUGE // 7)
        rec["title"] = rec.get("title") if not isinstance(rec.get("title"), str) else rec["title"] + " huge"
        return json.dumps(rec).encode()
    if item.kind in ("good", "dup"):
        return dumps_json(rnd, rec)
    if item.kind == "mutated":
        value, note = mutate_json(rnd, rec)
        return dumps_json(rnd, value)
    if item.kind == "tainted":
        text, note = taint_json(rnd, rec)
        return text
    text, note = break_bytes(rnd, dumps_json(rnd, rec))
    return text


def _json_case(rnd: Random, fmt: Format, container: str, items: list[Item], damage: bool = True) -> Case:
    for item in items:
        item.text = _record_json(rnd, fmt, item)
        if item.kind == "broken" and container == "jsonl" and b"\n" in item.text:
            item.text = item.text.replace(b"\n", b" ")
    out = io.BytesIO()
    bom = rnd.random() < 0.1
    if bom:
        out.write(b"\xef\xbb\xbf")
    if container == "jsonl":
        nl = b"\r\n" if rnd.random() < 0.2 else b"\n"
        for item in items:
            if rnd.random() < 0.05:
                out.write(rnd.choice([b"", b"   ", b"\t"]) + nl)  # blank lines
            item.start = out.tell()
            out.write(item.text)
            item.end = out.tell()
            out.write(nl)
        if items and rnd.random() < 0.3:  # no newline after the last line
            out.truncate(out.tell() - len(nl))
            out.seek(0, io.SEEK_END)
    elif container == "esummary":
        uids = []
        entries = io.BytesIO()
        seen: set[str] = set()
        head = b'{"header": {"type": "esummary", "version": "0.3"}, "result": {"uids": '
        for item in items:
            uids.append(str(30000000 + item.i))
        head += json.dumps(uids).encode() + b", "
        out.write(head)
        for k, item in enumerate(items):
            uid = uids[k]
            if uid in seen:  # a duplicate uid is listed twice, its entry written once
                item.start = item.end = out.tell()
                item.listed_only = True  # type: ignore[attr-defined]
                continue
            seen.add(uid)
            out.write(json.dumps(uid).encode() + b": ")
            item.start = out.tell()
            out.write(item.text)
            item.end = out.tell()
            out.write(b", ")
        out.write(b'"x-end": 0}}')
        del entries
    else:
        prefix, suffix = fmt.page if container == "page" else (b"", b"")
        wrap_l, wrap_r = fmt.wrap if container == "page" else (b"", b"")
        out.write(prefix if container == "page" else b"[")
        sep = rnd.choice([b",", b", ", b",\n", b"\n,"])
        for k, item in enumerate(items):
            if k:
                out.write(sep)
            out.write(wrap_l)
            item.start = out.tell()
            out.write(item.text)
            item.end = out.tell()
            out.write(wrap_r)
        out.write(suffix if container == "page" else b"]")
        if rnd.random() < 0.3:
            out.write(b"\n")
    return _finish(rnd, fmt, container, items, out.getvalue(), ".jsonl" if container == "jsonl" else ".json", damage)


def _xml_case(rnd: Random, fmt: Format, items: list[Item], damage: bool = True) -> Case:
    out = io.BytesIO()
    head = fmt.xml_head
    if fmt.name == "dblp":
        head = rnd.choice([head, head.replace(b"ISO-8859-1", b"UTF-8"), head.split(b"\n", 1)[1]])
    if rnd.random() < 0.1 and b"ISO-8859-1" not in head:
        out.write(b"\xef\xbb\xbf")
    out.write(head)
    for item in items:
        node = fmt.record(item.i)
        if getattr(item, "huge", False):
            node[2].append(["abstract" if fmt.name != "pubmed" else "Abstract", {}, "robust " * (HUGE // 7)])
            text = xml_dumps(node).encode()
        elif item.kind in ("good", "dup"):
            text = xml_dumps(node).encode()
        elif item.kind == "mutated":
            text = xml_dumps(mutate_xml(rnd, node)[0]).encode()
        elif item.kind == "tainted":
            text = taint_xml(rnd, node)[0]
        else:
            text = break_bytes(rnd, xml_dumps(node).encode())[0]
        item.text = text
        item.start = out.tell()
        out.write(text)
        item.end = out.tell()
        out.write(rnd.choice([b"\n", b"", b"\r\n  "]))
    out.write(fmt.xml_tail)
    return _finish(rnd, fmt, "xml", items, out.getvalue(), ".xml", damage)


def _csv_case(rnd: Random, fmt: Format, items: list[Item], damage: bool = True) -> Case:
    out = io.BytesIO()
    if rnd.random() < 0.1:
        out.write(b"\xef\xbb\xbf")
    header = list(fmt.record(0))
    nl = "\r\n" if rnd.random() < 0.2 else "\n"

    def line(values) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=nl).writerow(values)
        return buf.getvalue().encode("utf-8", errors="surrogatepass")

    out.write(line(header))
    for item in items:
        row = fmt.record(item.i)
        if getattr(item, "huge", False):
            row["venue"] = "robust " * (HUGE // 7)
        elif item.kind == "mutated":
            key = rnd.choice(header)
            row[key] = rnd.choice(["", " ", "[1, 2]", "{}", "null", "NaN", "-1", "a,b", 'say "hi"', "line\nbreak",
                                   "x" * 70000, "\u00e9\U0001f600", "'; DROP TABLE records; --", "2020-13-45"])
            if rnd.random() < 0.2:
                row = {k: "" for k in header}
        text = line([row[h] for h in header])
        if item.kind == "tainted":
            bad = rnd.choice(BAD_UTF8) if rnd.random() < 0.6 else rnd.choice([c for c in CONTROL if c != "\x00"]).encode()
            pos = text.index(b"Fuzz") + 2 if b"Fuzz" in text else 0
            text = text[:pos] + bad + text[pos:]
        elif item.kind == "broken":
            op = rnd.choice(["fields", "fewer", "quote"])
            if op == "fields":
                text = text.rstrip(b"\r\n") + b",extra,fields" + nl.encode()
            elif op == "fewer":
                text = text.split(b",")[0] + nl.encode()
            else:
                text = text.rstrip(b"\r\n") + b',"unterminated' + nl.encode()
        item.text = text
        item.start = out.tell()
        out.write(text)
        item.end = out.tell()
    return _finish(rnd, fmt, "csv", items, out.getvalue(), ".csv", damage)


def _parquet_case(rnd: Random, fmt: Format, items: list[Item], damage: bool = True) -> Case:
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = list(fmt.record(0))
    rows = []
    for item in items:
        row: dict = fmt.record(item.i)
        if getattr(item, "huge", False):
            row["venue"] = "robust " * (HUGE // 7)
        elif item.kind == "mutated":
            key = rnd.choice([h for h in header if h != "id"] or header)
            row[key] = rnd.choice([None, "", " ", "\x00\x01", "\u00e9\U0001f600", "x" * 70000, "'; DROP TABLE x; --"])
        rows.append(row)
    # a column of another type: a number, a list or a struct where a string is expected
    retype = rnd.choice([None, None, "year", "title", "authors", "venue"]) if damage else None
    arrays = {}
    for h in header:
        values = [r.get(h) for r in rows]
        if h == retype:
            kind = rnd.choice(["int", "list", "struct"])
            if kind == "int":
                arrays[h] = pa.array([None if v is None else len(v) for v in values], pa.int64())
            elif kind == "list":
                arrays[h] = pa.array([None if v is None else [v, None] for v in values], pa.list_(pa.string()))
            else:
                arrays[h] = pa.array([None if v is None else {"v": v} for v in values], pa.struct([("v", pa.string())]))
            if h in ("title",):
                for item in items:  # titles are no longer plain strings: no promises
                    if item.kind == "good":
                        item.kind, item.title = "mutated", None
        else:
            arrays[h] = pa.array(values, pa.string())
    buf = io.BytesIO()
    pq.write_table(pa.table(arrays), buf, row_group_size=rnd.choice([3, 50, 1000]))
    content = buf.getvalue()
    damaged = False
    if damage and rnd.random() < 0.1 and len(content) > 8:
        content = content[: rnd.randint(1, len(content) - 1)]
        damaged = True
        for item in items:
            item.kind = "mutated" if item.kind in ("good", "dup") else item.kind
    case = Case(fmt.name, "parquet", items, content, ".parquet", len(content), damaged, dict(TABLE_COLUMNS))
    case.gz_truncated, case.lost_nonblank = False, damaged
    return case


def _finish(rnd: Random, fmt: Format, container: str, items: list[Item], data: bytes, suffix: str,
            damage: bool = True) -> Case:
    intact = len(data)
    damaged = gz_truncated = False
    original = data
    if damage and data.strip() and rnd.random() < 0.12:  # truncate the file
        end = len(data.rstrip())
        intact = rnd.randint(0, end - 1)
        data = data[:intact]
        damaged = True
    content = data
    if damage and rnd.random() < 0.2:
        content = gzip.compress(data, mtime=0)
        suffix += ".gz"
        if rnd.random() < 0.4 and len(content) > 20:
            content = content[: rnd.randint(10, len(content) - 1)]
            recovered = zlib.decompressobj(wbits=31).decompress(content)
            intact = min(intact, len(recovered))
            damaged = gz_truncated = True
    columns = dict(TABLE_COLUMNS) if fmt.kind in ("csv", "parquet") else {}
    case = Case(fmt.name, container, items, content, suffix, intact, damaged, columns)
    case.gz_truncated = gz_truncated
    # a cut the reader can see: something was lost and something (not just a BOM) is left
    case.lost_nonblank = bool(original[intact:].strip()) and bool(original[:intact].strip(b" \t\r\n\xef\xbb\xbf"))
    return case


def empty_case(fmt_name: str, content: bytes = b"") -> Case:
    fmt = FORMATS[fmt_name]
    suffix = {"json": ".json", "esummary": ".json", "xml": ".xml", "csv": ".csv", "parquet": ".parquet"}[fmt.kind]
    return Case(fmt_name, "empty", [], content, suffix, len(content), False,
                dict(TABLE_COLUMNS) if fmt.kind in ("csv", "parquet") else {})


# ----------------------------------------------------------------------------- loading and checking


def write_case(case: Case, directory: Path, stem: str = "case") -> Path:
    path = directory / f"{stem}{case.suffix}"
    path.write_bytes(case.content)
    return path


def load_case(con, case: Case, path: Path):
    from paperlink.records.load import SourceSpec, load_sources

    spec = SourceSpec(name="fz", paths=[str(path)], format=LOADER[case.fmt], columns=case.columns)
    return load_sources(con, [spec])["fz"]


class CheckFailure(AssertionError):
    pass


def check(con, case: Case, path: Path) -> dict:
    """Load ``case`` from ``path`` and assert the invariants; returns the counts."""
    try:
        counts = load_case(con, case, path)
    except Exception as exc:  # noqa: BLE001 - the point: nothing may escape
        raise CheckFailure(f"{case.fmt}/{case.container}: load raised {type(exc).__name__}: {exc}") from exc

    def fail(msg: str):
        raise CheckFailure(f"{case.fmt}/{case.container} ({path.name}): {msg}; counts={counts}")

    if counts.input != counts.loaded + counts.rejected:
        fail("input != loaded + rejected")
    n_records = con.execute("SELECT count(*) FROM records WHERE source = 'fz'").fetchone()[0]
    n_rejected = con.execute("SELECT count(*) FROM rejected_records WHERE source = 'fz'").fetchone()[0]
    n_raw = con.execute("SELECT count(*) FROM raw_fz").fetchone()[0]
    if (n_records, n_rejected) != (counts.loaded, counts.rejected):
        fail(f"tables hold {n_records} records / {n_rejected} rejected")
    if n_raw != counts.input + counts.skipped:
        fail(f"raw items {n_raw} != input + skipped")
    if con.execute("SELECT count(*) FROM rejected_records WHERE source = 'fz' AND coalesce(reason, '') = ''").fetchone()[0]:
        fail("a rejected record without a reason")
    internal = con.execute(
        "SELECT reason FROM rejected_records WHERE source = 'fz' AND (reason LIKE 'reader failed%' "
        "OR reason LIKE 'record could not be projected%') LIMIT 1").fetchall()
    if internal:
        fail(f"internal failure surfaced as a rejection: {internal[0][0][:300]}")
    if con.execute("SELECT count(*) - count(DISTINCT record_id) FROM records WHERE source = 'fz'").fetchone()[0]:
        fail("duplicate record_id loaded")

    loaded = dict(con.execute("SELECT source_id, title FROM records WHERE source = 'fz'").fetchall())
    reasons = [r[0] for r in con.execute("SELECT reason FROM rejected_records WHERE source = 'fz'").fetchall()]
    dup_reasons = sum(1 for r in reasons if r.startswith("duplicate source_id"))

    # the point up to which every good item must be readable
    line_based = case.container in ("jsonl",)
    cut = case.intact_len
    if not line_based:
        for item in case.items:
            if item.kind == "broken":
                cut = min(cut, item.start)
                break
    expected_dups = 0
    for item in case.items:
        if item.end > cut or (case.container == "parquet" and case.damaged):
            continue
        if item.kind == "good":
            if item.source_id not in loaded:
                fail(f"good record {item.source_id} (bytes {item.start}-{item.end}) not loaded")
            if loaded[item.source_id] != item.title:
                fail(f"good record {item.source_id} loaded with title {loaded[item.source_id]!r}")
        elif item.kind == "dup":
            expected_dups += 1
        elif item.kind == "broken" and line_based and item.source_id in loaded:
            fail(f"broken line loaded as {item.source_id}")
    if dup_reasons < expected_dups:
        fail(f"{expected_dups} intact duplicates but {dup_reasons} rejected as duplicates")
    must_report = case.gz_truncated or (
        case.damaged and case.lost_nonblank and case.container in ("array", "page", "esummary", "xml", "parquet"))
    if must_report and counts.rejected == 0:
        fail("the file breaks off but no rejection says so")
    return {"items": len(case.items), "input": counts.input, "loaded": counts.loaded,
            "rejected": counts.rejected, "skipped": counts.skipped}


def _uncompressed(case: Case) -> bytes:
    if case.suffix.endswith(".gz"):
        return zlib.decompressobj(wbits=31).decompress(case.content)
    return case.content

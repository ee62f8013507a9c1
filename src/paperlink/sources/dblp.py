"""DBLP: the XML dump (streamed) and the publication search API JSON.

* XML dump ``dblp.xml(.gz)``: a ``<dblp>`` root with one element per record (``article``,
  ``inproceedings``, ``proceedings``, ``book``, ``incollection``, ``phdthesis``,
  ``mastersthesis``, ``data``); a file holding just record elements (no root) works too.
  ``www``/``person`` elements are author pages, not publications: they are read and skipped.
  The dump writes non-ASCII letters as entities declared in ``dblp.dtd`` (``&ouml;``); they are
  turned into character references while streaming, so neither the DTD nor lxml is needed.
* Search API ``/search/publ/api?format=json``: records at ``result.hits.hit[].info``; an author
  list is a string, an object ``{"@pid", "text"}`` or a list of either.

DOIs come from ``doi.org`` links in ``ee``; arXiv ids from ``arxiv.org`` links in ``ee`` and from
CoRR records (``journals/corr/abs-1706-03762``, volume ``abs/1706.03762``).  The SPARQL
endpoint's JSON (one row per author) is not a record format and is not read.
"""

from __future__ import annotations

import re
from html.entities import html5

from paperlink.sources.base import (
    FileSample,
    JsonSourceFormat,
    SourceFormat,
    iter_xml_records,
    xml_text,
)

RECORD_TAGS = {
    "article", "inproceedings", "proceedings", "book", "incollection",
    "phdthesis", "mastersthesis", "data", "www", "person",
}
REPEATED = {"author", "editor", "ee", "url", "isbn", "note", "cite", "cdrom", "school"}
DBLP_XML = re.compile(r"<dblp[\s>]|<(?:%s)\s[^>]*\bkey=\"" % "|".join(RECORD_TAGS))
ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
READ_BYTES = 1 << 20

# a DOI resolver link: doi.org, dx.doi.org, doi.acm.org, doi.ieeecomputersociety.org
DOI_LINK = r"regexp_matches(u, '^https?://(dx\.)?doi\.[a-z.]+/10\.', 'i')"


def _char_ref(match: re.Match) -> bytes:
    name = match.group(1).decode("ascii")
    text = html5.get(name + ";")
    if name in XML_ENTITIES or text is None:
        return match.group(0)
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii")


def expand_entities(fh):
    """The bytes of ``fh`` with HTML named entities replaced by numeric character references."""
    carry = b""
    while chunk := fh.read(READ_BYTES):
        data = carry + chunk
        cut = data.rfind(b"&")
        if cut < 0 or b";" in data[cut:] or len(data) - cut > 64:
            cut = len(data)  # no entity is cut in two at the end of this chunk
        carry = data[cut:]
        yield ENTITY.sub(_char_ref, data[:cut])
    yield ENTITY.sub(_char_ref, carry)


def _record(elem) -> dict:
    rec = {"type": elem.tag, "key": elem.get("key"), "mdate": elem.get("mdate")}
    for child in elem:
        if child.tag in REPEATED:
            rec.setdefault(child.tag, []).append(xml_text(child))
        else:
            rec.setdefault(child.tag, xml_text(child))
    return rec


class DblpXml(SourceFormat):
    name = "dblp"
    description = "DBLP XML dump (dblp.xml / .gz, streamed; HTML entities resolved without the DTD)"
    projection = {
        "source_id": "j->>'$.key'",
        "title": "j->>'$.title'",
        "authors": "json_extract_string(j, '$.author[*]')",
        "year": "j->>'$.year'",
        "venue": "coalesce(j->>'$.journal', j->>'$.booktitle')",
        "volume": "j->>'$.volume'",
        "issue": "j->>'$.number'",
        "pages": "j->>'$.pages'",
        "doi": f"list_filter(json_extract_string(j, '$.ee[*]'), lambda u: {DOI_LINK})[1]",
        "arxiv_id": "CASE WHEN j->>'$.journal' = 'CoRR' THEN j->>'$.volume' END",
        "urls": "list_concat(json_extract_string(j, '$.ee[*]'), ['https://dblp.org/rec/' || (j->>'$.key')])",
        "work_type": "j->>'$.type'",
    }

    def detect(self, sample: FileSample) -> bool:
        return sample.looks_like_xml and bool(DBLP_XML.search(sample.text))

    def skip_item_sql(self) -> str:
        return "j->>'$.type' IN ('www', 'person')"

    def raw_items(self, con, path):
        """:func:`~paperlink.sources.base.iter_xml_records` over the entity-expanded stream."""
        yield from iter_xml_records(path, RECORD_TAGS, _record, transform=expand_entities)


class DblpSearch(JsonSourceFormat):
    name = "dblp_search"
    description = "DBLP publication search API JSON (result.hits.hit[].info)"
    item_paths = ["$.result.hits.hit"]
    projection = {
        "source_id": "j->>'$.info.key'",
        "title": "j->>'$.info.title'",
        # one author is not wrapped in a list; each is a plain string or {"@pid", "text"}
        "authors": """list_transform(
                CASE WHEN json_type(j, '$.info.authors.author') = 'ARRAY'
                     THEN json_extract(j, '$.info.authors.author[*]')
                     ELSE [j->'$.info.authors.author'] END,
                lambda a: coalesce(a->>'$.text', a->>'$'))""",
        "year": "j->>'$.info.year'",
        "venue": "j->>'$.info.venue'",
        "volume": "j->>'$.info.volume'",
        "issue": "j->>'$.info.number'",
        "pages": "j->>'$.info.pages'",
        "doi": "j->>'$.info.doi'",
        "arxiv_id": "CASE WHEN j->>'$.info.venue' = 'CoRR' THEN j->>'$.info.volume' END",
        "urls": """list_concat(
                CASE WHEN json_type(j, '$.info.ee') = 'ARRAY' THEN json_extract_string(j, '$.info.ee[*]')
                     ELSE [j->>'$.info.ee'] END,
                [j->>'$.info.url'])""",
        "work_type": "j->>'$.info.type'",
    }

    def detect(self, sample: FileSample) -> bool:
        return sample.stripped[:1] == "{" and '"hits"' in sample.text and '"@total"' in sample.text

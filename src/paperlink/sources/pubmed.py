"""PubMed: efetch / annual-baseline XML and E-utilities esummary JSON.

* XML (``efetch.fcgi?db=pubmed&retmode=xml``, ``pubmedYYnNNNN.xml.gz``): ``<PubmedArticleSet>`` of
  ``<PubmedArticle>`` (a lone ``<PubmedArticle>`` works too), streamed.  ``<DeleteCitation>`` and
  book records (``<PubmedBookArticle>``) are not read.  IDs come from the article's own
  ``PubmedData/ArticleIdList`` (never from its reference list), the DOI falling back to
  ``ELocationID``.
* esummary JSON (``esummary.fcgi?retmode=json``): ``result.uids`` lists the records, each at
  ``result["<uid>"]``.  ``{"uid", "error"}`` entries (unknown ids) are skipped.  With ``db=pmc``
  the uid is a PMC number: those records get source id ``PMC<uid>`` and their PMID from
  ``articleids``.
"""

from __future__ import annotations


from paperlink.sources.base import (
    BATCH_ROWS,
    RAW_SCHEMA,
    FileSample,
    JsonSourceFormat,
    SourceFormat,
    _record_text,
    sql_str,
    ijson_salvage,
    iter_xml_records,
    xml_text,
)

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _date(pub_date) -> str | None:
    """``PubDate`` as YYYY[-MM[-DD]] (months may be names), else its ``MedlineDate`` text."""
    if pub_date is None:
        return None
    year, month, day = (pub_date.findtext(t) for t in ("Year", "Month", "Day"))
    if not year:
        return pub_date.findtext("MedlineDate")
    parts = [year]
    if month:
        parts.append(f"{MONTHS.get(month[:3].lower()) or int(month):02d}")
        if day:
            parts.append(f"{int(day):02d}")
    return "-".join(parts)


def _author(author) -> str | None:
    given = author.findtext("ForeName") or author.findtext("Initials")
    name = " ".join(p for p in (given, author.findtext("LastName")) if p)
    return name or xml_text(author.find("CollectiveName"))


def _article(elem) -> dict:
    citation = elem.find("MedlineCitation")
    article = citation.find("Article")
    journal = article.find("Journal")
    ids = {i.get("IdType"): i.text for i in elem.iterfind("PubmedData/ArticleIdList/ArticleId")}
    elocation = {e.get("EIdType"): e.text for e in article.iterfind("ELocationID")}
    abstract = " ".join(
        (f"{t.get('Label')}: " if t.get("Label") else "") + (xml_text(t) or "")
        for t in article.iterfind("Abstract/AbstractText")
    )
    return {
        "pmid": citation.findtext("PMID"),
        "title": xml_text(article.find("ArticleTitle")) or xml_text(article.find("VernacularTitle")),
        "authors": [_author(a) for a in article.iterfind("AuthorList/Author")],
        "date": _date(journal.find("JournalIssue/PubDate")),
        "journal": journal.findtext("Title") or journal.findtext("ISOAbbreviation"),
        "volume": journal.findtext("JournalIssue/Volume"),
        "issue": journal.findtext("JournalIssue/Issue"),
        "pages": article.findtext("Pagination/MedlinePgn"),
        "doi": ids.get("doi") or elocation.get("doi"),
        "pmcid": ids.get("pmc"),
        "abstract": abstract.strip() or None,
        "publication_types": [t.text for t in article.iterfind("PublicationTypeList/PublicationType")],
    }


class PubmedXml(SourceFormat):
    name = "pubmed"
    description = "PubMed efetch / baseline XML (PubmedArticleSet/PubmedArticle)"
    projection = {
        "source_id": "j->>'$.pmid'",
        "title": "j->>'$.title'",
        "authors": "json_extract_string(j, '$.authors[*]')",
        "publication_date": "j->>'$.date'",
        "venue": "j->>'$.journal'",
        "volume": "j->>'$.volume'",
        "issue": "j->>'$.issue'",
        "pages": "j->>'$.pages'",
        "doi": "j->>'$.doi'",
        "pmid": "j->>'$.pmid'",
        "abstract": "j->>'$.abstract'",
        "urls": "['https://pubmed.ncbi.nlm.nih.gov/' || (j->>'$.pmid') || '/']",
        "work_type": "j->>'$.publication_types[0]'",
    }

    def detect(self, sample: FileSample) -> bool:
        return sample.looks_like_xml and "<PubmedArticle" in sample.text

    def raw_items(self, con, path):
        yield from iter_xml_records(path, {"PubmedArticle"}, _article)


def _article_id(idtype: str) -> str:
    """SQL for the value of the first ``articleids`` entry of type ``idtype``."""
    return f"list_filter(json_extract(j, '$.articleids[*]'), lambda a: a->>'$.idtype' = '{idtype}')[1]->>'$.value'"


# a db=pmc summary: its uid is the PMC number listed among its articleids
IS_PMC = "list_contains(json_extract_string(j, '$.articleids[*].value'), 'PMC' || (j->>'$.uid'))"


class PubmedEsummary(JsonSourceFormat):
    name = "pubmed_esummary"
    description = "NCBI E-utilities esummary JSON (db=pubmed or db=pmc)"
    markers = ['"esummary"']
    projection = {
        "source_id": f"CASE WHEN {IS_PMC} THEN 'PMC' ELSE '' END || (j->>'$.uid')",
        "title": "j->>'$.title'",
        "authors": "json_extract_string(j, '$.authors[*].name')",
        # "1998 Feb 28" / "2013 Jan" / "2019" / "1998 Dec-1999 Jan"
        "publication_date": """coalesce(strftime(try_strptime(j->>'$.pubdate', '%Y %b %d'), '%Y-%m-%d'),
                                        strftime(try_strptime(j->>'$.pubdate', '%Y %b'), '%Y-%m'),
                                        j->>'$.pubdate')""",
        "venue": "coalesce(nullif(j->>'$.fulljournalname', ''), j->>'$.source')",
        "volume": "j->>'$.volume'",
        "issue": "j->>'$.issue'",
        "pages": "j->>'$.pages'",
        "doi": f"coalesce({_article_id('doi')}, nullif(j->>'$.elocationid', ''))",
        "pmid": f"CASE WHEN {IS_PMC} THEN {_article_id('pmid')} ELSE j->>'$.uid' END",
        "work_type": "j->>'$.pubtype[0]'",
    }

    def skip_item_sql(self) -> str:
        return "json_type(j) = 'NULL' OR (j->>'$.error' IS NOT NULL AND j->>'$.title' IS NULL)"

    def raw_items(self, con, path):
        source = f"read_json_objects({sql_str(path)}, format='unstructured', maximum_object_size=1073741824)"
        sql = f"""
            WITH doc AS (
                SELECT coalesce(json_type(json, '$.result') = 'OBJECT' AND json_type(json, '$.result.uids') = 'ARRAY',
                                false) AS ok,
                       json_type(json) AS t,
                       json_extract_string(json, '$.result.uids[*]') AS uids,
                       CASE WHEN json_type(json, '$.result') = 'OBJECT'
                            THEN json_transform(json->'$.result', '"MAP(VARCHAR, JSON)"') END AS result
                FROM {source}),
            flat AS (
                SELECT unnest(CASE WHEN ok THEN list_transform(uids, lambda u: {{'uid': u, 'item': result[u]}})
                                   ELSE [{{'uid': NULL::VARCHAR, 'item': NULL::JSON}}] END) AS e, ok, t
                FROM doc)
            SELECT row_number() OVER () AS position, e.item::VARCHAR AS raw,
                   CASE WHEN NOT ok THEN 'not an esummary response (no result.uids list): the document is JSON ' || t
                        WHEN e.item IS NULL THEN 'uid ' || e.uid || ' is listed in result.uids but has no entry'
                   END AS error
            FROM flat"""
        try:
            table = con.sql(sql).arrow()
            table = table.read_all() if hasattr(table, "read_all") else table
        except Exception:  # duckdb.Error or the Arrow stream's error: read it again, carefully
            yield from self._salvage(path)
            return
        yield from table.cast(RAW_SCHEMA).to_batches(BATCH_ROWS)

    @staticmethod
    def _salvage(path):
        """Stream ``result``'s entries (in file order; an entry as often as ``uids`` lists it)
        up to the point where the file breaks off, which becomes one error item."""
        yield from ijson_salvage(path, _esummary_pass)


def _esummary_pass(reader, backend, skip: int, rows):
    """``result``'s entries from ijson events (each emitted as soon as it is complete)."""
    from collections import Counter

    from ijson.common import ObjectBuilder

    n = 0
    listed: Counter | None = None
    key = builder = None
    depth = 0

    def finish(key, value):
        nonlocal n, listed
        if key == "uids":
            listed = Counter(str(u) for u in value) if isinstance(value, list) else Counter()
            return
        for _ in range(listed[key] if listed is not None else 1):
            n += 1
            if n > skip:
                rows.add(n, *_record_text(value))

    try:
        for prefix, event, value in backend.parse(reader, multiple_values=True, use_float=backend.backend != "python"):
            if builder is not None:
                builder.event(event, value)
                depth += event in ("start_map", "start_array")
                depth -= event in ("end_map", "end_array")
                if depth == 0:
                    finish(key, builder.value)
                    builder = None
            elif prefix == "result" and event == "map_key":
                key = value
            elif key is not None and prefix == f"result.{key}":
                if event in ("start_map", "start_array"):
                    builder, depth = ObjectBuilder(), 1
                    builder.event(event, value)
                else:
                    finish(key, value)
            if rows.full:
                yield rows.take()
    except Exception as exc:  # noqa: BLE001 - the parse error, a truncated gzip, ...
        return n, 0, exc
    return n, 0, None

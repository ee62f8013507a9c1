"""Normalised exports of multi-source literature search tools (``Publication.to_dict()`` records).

Shapes: a JSON array of records or JSON Lines (.gz).  A record has ``id`` (the tool's own id),
``title``, ``authors`` (list of names, or one delimited string), ``publication_date``
(``"2022-03-18 00:00:00"`` or ``"None"``), ``source`` (``"SupportedSources.SEMANTIC_SCHOLAR"``…),
``journal``, ``volume``, ``doi``, ``urls`` (list, or one whitespace-separated string),
``abstract`` and ``versions`` (the tool's own duplicates of the record, not loaded).  arXiv ids
come from arXiv DOIs and arXiv URLs.
"""

from paperlink.sources.base import JsonSourceFormat
from paperlink.sources.semantic_scholar import not_arxiv_venue


def list_or_split(key: str, split: str) -> str:
    """A list field that may also come as one string (split with the SQL expression ``split``)."""
    value = f"j->>'$.{key}'"
    return (
        f"CASE WHEN json_type(j, '$.{key}') = 'ARRAY' THEN json_extract_string(j, '$.{key}[*]') "
        f"ELSE {split.format(value)} END"
    )


class SearchExport(JsonSourceFormat):
    name = "search_export"
    description = "records exported by multi-source literature search tools (JSON array or JSONL)"
    markers = ['"SupportedSources.']
    projection = {
        "source_id": "j->>'$.id'",
        "title": "j->>'$.title'",
        "authors": list_or_split("authors", "pl_split_authors({})"),
        "publication_date": r"nullif(regexp_extract(j->>'$.publication_date', '^\d{4}(-\d\d(-\d\d)?)?'), '')",
        "venue": not_arxiv_venue("j->>'$.journal'"),
        # arXiv-only Semantic Scholar records carry "abs/<arXiv id>" as volume
        "volume": "CASE WHEN NOT starts_with(j->>'$.volume', 'abs/') THEN j->>'$.volume' END",
        "doi": "j->>'$.doi'",
        "abstract": "j->>'$.abstract'",
        "urls": list_or_split("urls", r"regexp_split_to_array(trim({}), '\s+')"),
    }

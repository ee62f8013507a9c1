"""CORE (core.ac.uk) API v3 works: a single work (``GET /v3/works/{id}``), search pages
(``/v3/search/works`` -> ``{totalHits, limit, offset, results[]}``) and works saved one per line.

Written from the documented v3 shape (no real response was available): ``id`` (int), ``title``,
``authors[{name}]``, ``yearPublished``, ``publishedDate``, ``doi`` (bare or URL), ``arxivId``,
``pubmedId``, ``abstract``, ``downloadUrl``, ``sourceFulltextUrls[]``, ``links[{type, url}]``,
``journals[{title}]``, ``oaiIds[]``, ``identifiers[{identifier, type}]``, ``documentType``.
"""

from __future__ import annotations

from paperlink.sources.base import JsonSourceFormat


class Core(JsonSourceFormat):
    name = "core"
    description = "CORE API v3 works (single work, search pages, JSONL)"
    item_paths = ["$.results", "$"]
    markers = ['"yearPublished"', '"sourceFulltextUrls"', '"dataProviders"']
    projection = {
        "source_id": "j->>'$.id'",
        "title": "j->>'$.title'",
        # documented as [{name}]; plain strings are taken too
        "authors": "list_transform(json_extract(j, '$.authors[*]'), lambda a: coalesce(a->>'$.name', a->>'$'))",
        "year": "j->>'$.yearPublished'",
        "publication_date": "left(j->>'$.publishedDate', 10)",
        "venue": "j->>'$.journals[0].title'",
        "doi": "j->>'$.doi'",
        "arxiv_id": "j->>'$.arxivId'",
        "pmid": "j->>'$.pubmedId'",
        "abstract": "j->>'$.abstract'",
        "urls": """list_concat([j->>'$.downloadUrl'], json_extract_string(j, '$.sourceFulltextUrls[*]'),
                               json_extract_string(j, '$.links[*].url'))""",
        "other_ids": "list_concat(json_extract_string(j, '$.oaiIds[*]'), json_extract_string(j, '$.identifiers[*].identifier'))",
        "work_type": "j->>'$.documentType'",
    }

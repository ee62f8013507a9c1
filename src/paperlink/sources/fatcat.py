"""fatcat / Internet Archive Scholar releases.

* Release entity JSON: one release (``GET /v0/release/{ident}``, plain or ``?expand=container,
  files,...``) or the bulk export (``release_export_expanded.json.gz``, one release per line).
  Authors are ``contribs[]`` with role ``author`` (``raw_name``), IDs in ``ext_ids``
  (``arxiv`` is versioned, e.g. ``1810.09584v2``), venue ``container.name``.
* Elasticsearch search pages of the ``fatcat_release`` index: ``hits.hits[]._source`` are flat
  search documents (``doi``, ``arxiv_id``, ``pmid``, ``contrib_names``, ``container_name``).
Releases that are not ``active`` (deleted, redirects) are skipped.
"""

from __future__ import annotations

from paperlink.sources.base import JsonSourceFormat


class Fatcat(JsonSourceFormat):
    name = "fatcat"
    description = "fatcat release entities (API, bulk export JSONL) and release search pages"
    item_paths = ["$.hits.hits", "$"]
    wrapper_path = "$._source"
    markers = ['"release_type"', '"release_stage"', '"ext_ids"']
    projection = {
        "source_id": "j->>'$.ident'",
        "title": "j->>'$.title'",
        "authors": """CASE WHEN json_type(j, '$.contribs') = 'ARRAY'
                THEN list_transform(
                    list_filter(json_extract(j, '$.contribs[*]'), lambda c: coalesce(c->>'$.role', 'author') = 'author'),
                    lambda c: coalesce(c->>'$.raw_name', concat_ws(' ', c->>'$.given_name', c->>'$.surname')))
                ELSE json_extract_string(j, '$.contrib_names[*]') END""",
        "year": "j->>'$.release_year'",
        "publication_date": "j->>'$.release_date'",
        "venue": "coalesce(j->>'$.container.name', j->>'$.container_name', j->>'$.extra.container_name')",
        "volume": "j->>'$.volume'",
        "issue": "j->>'$.issue'",
        "pages": "j->>'$.pages'",
        "doi": "coalesce(j->>'$.ext_ids.doi', j->>'$.doi')",
        "arxiv_id": "coalesce(j->>'$.ext_ids.arxiv', j->>'$.arxiv_id')",
        "pmid": "coalesce(j->>'$.ext_ids.pmid', j->>'$.pmid')",
        "abstract": """coalesce(
                list_filter(json_extract(j, '$.abstracts[*]'), lambda a: a->>'$.mimetype' = 'text/plain')[1]->>'$.content',
                j->>'$.abstracts[0].content')""",
        "urls": """list_concat(json_extract_string(j, '$.files[*].urls[*].url'),
                               [j->>'$.best_pdf_url', j->>'$.ia_pdf_url'])""",
        "work_type": "j->>'$.release_type'",
    }

    def skip_item_sql(self) -> str:
        return "json_type(j) = 'NULL' OR coalesce(j->>'$.state', 'active') <> 'active'"


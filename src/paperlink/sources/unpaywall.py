"""Unpaywall: the ``/v2/{doi}`` object, ``/v2/search`` pages and the snapshot JSON Lines.

* ``GET /v2/{doi}``: one object; the snapshot (``.jsonl.gz``) and change files hold the same
  object, one per line.
* ``GET /v2/search?query=``: ``results[]`` of ``{response: <object>, score, snippet}``.
``z_authors`` comes in two shapes: Crossref-style ``{given, family}`` (up to 2024) and the
OpenAlex-backed ``{raw_author_name}`` (2025).  There is no abstract, volume, issue or pages;
arXiv ids show up only as repository copies among ``oa_locations`` (URL or ``pmh_id``).
"""

from __future__ import annotations

from paperlink.sources.base import JsonSourceFormat


class Unpaywall(JsonSourceFormat):
    name = "unpaywall"
    description = "Unpaywall v2 DOI objects, search pages and snapshot JSONL"
    item_paths = ["$.results", "$"]
    wrapper_path = "$.response"
    markers = ['"z_authors"', '"oa_locations"', '"journal_is_oa"']
    projection = {
        "source_id": "lower(j->>'$.doi')",
        "title": "j->>'$.title'",
        "authors": """list_transform(json_extract(j, '$.z_authors[*]'), lambda a: coalesce(
                a->>'$.raw_author_name', nullif(concat_ws(' ', a->>'$.given', a->>'$.family'), ''), a->>'$.name'))""",
        "year": "j->>'$.year'",
        "publication_date": "j->>'$.published_date'",
        "venue": "j->>'$.journal_name'",
        "doi": "j->>'$.doi'",
        "urls": """list_concat([j->>'$.doi_url'],
                               json_extract_string(j, '$.oa_locations[*].url_for_landing_page'),
                               json_extract_string(j, '$.oa_locations[*].url_for_pdf'))""",
        "other_ids": "json_extract_string(j, '$.oa_locations[*].pmh_id')",
        "work_type": "j->>'$.genre'",
    }


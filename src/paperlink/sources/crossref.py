"""Crossref works.

Shapes: REST API ``/works/{doi}`` (record in ``message``), ``/works?query…`` pages (records in
``message.items``, also ``select=`` subsets), the public data file (``{"items": [...]}`` per file,
or JSON Lines of work items, .gz) and Mongo-style exports of the same items.
"""

from paperlink.sources.base import JsonSourceFormat


def date_parts_sql(path: str) -> str:
    """ISO date (``2019``, ``2019-06``, ``2019-06-24``) from a CSL ``date-parts`` object at
    ``path`` (``[[2019, 6]]``, ``[[null]]`` or missing give what they can, NULL at worst)."""
    parts = f"TRY_CAST(j->'{path}.\"date-parts\"[0]' AS INTEGER[])"
    return (
        f"nullif(array_to_string(list_transform(list_filter({parts}, lambda p: p IS NOT NULL), "
        "lambda p: printf('%02d', p)), '-'), '')"
    )


def csl_names_sql(path: str) -> str:
    """Display names ``given family`` (or ``name``/``literal``) of a list of CSL name objects."""
    return (
        f"list_transform(json_extract(j, '{path}[*]'), lambda a: coalesce("
        "nullif(concat_ws(' ', a->>'given', a->>'family'), ''), a->>'name', a->>'literal'))"
    )


# `issued` is the publication date; the others stand in where a record lacks it
DATES = ("$.issued", "$.published", '$."published-print"', '$."published-online"', "$.posted")


class Crossref(JsonSourceFormat):
    name = "crossref"
    description = "Crossref REST API works (single, lists) and public data file items"
    item_paths = ["$.message.items", "$.message", "$.items", "$"]
    markers = ['"message-type"', '"reference-count"', '"is-referenced-by-count"']
    projection = {
        "source_id": "j->>'$.DOI'",
        "title": "j->>'$.title[0]'",
        "authors": csl_names_sql("$.author"),
        "publication_date": f"coalesce({', '.join(date_parts_sql(p) for p in DATES)})",
        # proceedings carry the event, preprints the server (bioRxiv) as institution
        "venue": "coalesce(j->>'$.\"container-title\"[0]', j->>'$.event.name', j->>'$.institution[0].name')",
        "volume": "j->>'$.volume'",
        "issue": "j->>'$.issue'",
        "pages": "j->>'$.page'",
        "doi": "j->>'$.DOI'",
        "abstract": "j->>'$.abstract'",
        "urls": """list_concat([j->>'$.URL', j->>'$.resource.primary.URL'],
                               json_extract_string(j, '$.link[*].URL'))""",
        "work_type": "j->>'$.type'",
    }

"""DataCite DOIs (arXiv's 10.48550/arXiv.* DOIs among them).

Shapes: REST API ``/dois/{doi}`` (``{"data": {...}}``) and ``/dois?…`` lists (``{"data": [...]}``,
also sparse ``fields[dois]=`` subsets), records in JSON:API form (``id``, ``attributes``); and
CSL-JSON from doi.org content negotiation (``type``, ``DOI``, ``title``, ``author``, ``issued``).
arXiv DOIs become ``arxiv_id`` (not ``doi``) in the shared clean-up.
"""

from paperlink.sources.base import JsonSourceFormat
from paperlink.sources.crossref import csl_names_sql, date_parts_sql

A = "$.attributes"


def typed(item: str, kind: str) -> str:
    """The first ``attributes.<item>s[].<item>`` whose ``<item>Type`` is ``kind``
    (``dates[].date`` with ``dateType``, ``identifiers[].identifier`` with ``identifierType``...)."""
    return f"list_filter(json_extract(j, '{A}.{item}s[*]'), lambda x: x->>'{item}Type' = '{kind}')[1]->>'{item}'"


class DataCite(JsonSourceFormat):
    name = "datacite"
    description = "DataCite REST API DOI records (single, lists) and CSL-JSON from DOI content negotiation"
    item_paths = ["$.data", "$"]
    markers = ['"type": "dois"', '"type":"dois"', '"resourceTypeGeneral"',
               '"id": "https://doi.org/', '"id":"https://doi.org/']  # the last two: CSL-JSON
    projection = {
        "source_id": f"lower(coalesce(j->>'{A}.doi', j->>'$.DOI'))",  # the API lower-cases, CSL does not
        "title": f"coalesce(j->>'{A}.titles[0].title', j->>'$.title')",
        "authors": f"""list_concat(
            list_transform(json_extract(j, '{A}.creators[*]'), lambda c: coalesce(
                nullif(concat_ws(' ', c->>'givenName', c->>'familyName'), ''), c->>'name')),
            {csl_names_sql('$.author')})""",
        "year": f"j->>'{A}.publicationYear'",
        # arXiv DOIs: the v1 submission date (Issued is only the year); others: Issued
        "publication_date": f"""left(coalesce({typed('date', 'Submitted')}, {typed('date', 'Issued')},
                                              {typed('date', 'Available')}, {date_parts_sql('$.issued')}), 10)""",
        "venue": f"coalesce(j->>'{A}.container.title', j->>'$.\"container-title\"')",
        "volume": f"coalesce(j->>'{A}.container.volume', j->>'$.volume')",
        "issue": f"coalesce(j->>'{A}.container.issue', j->>'$.issue')",
        "pages": f"""coalesce(
            nullif(concat_ws('-', j->>'{A}.container.firstPage', j->>'{A}.container.lastPage'), ''), j->>'$.page')""",
        "doi": f"coalesce(j->>'{A}.doi', j->>'$.DOI')",
        "arxiv_id": f"coalesce({typed('identifier', 'arXiv')}, {typed('alternateIdentifier', 'arXiv')})",
        "abstract": f"coalesce({typed('description', 'Abstract')}, j->>'$.abstract')",
        "urls": f"[j->>'{A}.url', j->>'$.URL']",
        # a JSON:API record's own `type` is "dois"; CSL's `type` is the work type
        "work_type": f"coalesce(j->>'{A}.types.resourceTypeGeneral', CASE WHEN (j->'{A}') IS NULL THEN j->>'$.type' END)",
    }

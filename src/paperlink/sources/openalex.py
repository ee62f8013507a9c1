"""OpenAlex works: API (single work, ``results`` list pages) and the snapshot JSON Lines (.gz)."""

from paperlink.sources.base import JsonSourceFormat


class OpenAlex(JsonSourceFormat):
    name = "openalex"
    description = "OpenAlex works API responses and snapshot JSONL"
    item_paths = ["$.results", "$"]
    markers = ['"https://openalex.org/W', '"abstract_inverted_index"', '"authorships"']
    projection = {
        "source_id": "regexp_extract(j->>'$.id', '(W\\d+)', 1)",
        "title": "coalesce(j->>'$.title', j->>'$.display_name')",
        "authors": "json_extract_string(j, '$.authorships[*].author.display_name')",
        "year": "j->>'$.publication_year'",
        "publication_date": "j->>'$.publication_date'",
        "venue": "j->>'$.primary_location.source.display_name'",
        "volume": "j->>'$.biblio.volume'",
        "issue": "j->>'$.biblio.issue'",
        "pages": "concat_ws('-', j->>'$.biblio.first_page', j->>'$.biblio.last_page')",
        "doi": "j->>'$.doi'",
        "pmid": "j->>'$.ids.pmid'",
        # rebuild the abstract: words sorted by their positions in the inverted index
        "abstract": "pl_abstract_from_inverted_index(j->'$.abstract_inverted_index')",
        "urls": """list_concat(
                [j->>'$.primary_location.landing_page_url', j->>'$.primary_location.pdf_url',
                 j->>'$.open_access.oa_url'],
                json_extract_string(j, '$.locations[*].landing_page_url'),
                json_extract_string(j, '$.locations[*].pdf_url'))""",
        "other_ids": "json_extract_string(j, '$.locations[*].id')",
        "work_type": "coalesce(j->>'$.type', j->>'$.type_crossref')",
    }

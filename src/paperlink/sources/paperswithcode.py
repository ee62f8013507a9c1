"""Papers with Code papers.

Shapes: API v1 single paper (``/papers/{id}/``), list pages (``{"count", "results": [...]}``),
search pages whose results wrap the paper (``{"paper": {...}, "repository": {...}}``) and the
``papers-with-abstracts.json`` dump (JSON array, .gz; ``paper_url`` instead of ``id``, ``date``
instead of ``published``).  No DOI anywhere; arXiv papers carry ``arxiv_id``.
"""

from paperlink.sources.base import JsonSourceFormat


def field(key: str) -> str:
    """A paper field, also when a search result wraps the paper in ``paper``."""
    return f"coalesce(j->>'$.paper.{key}', j->>'$.{key}')"


class PapersWithCode(JsonSourceFormat):
    name = "paperswithcode"
    description = "Papers with Code API papers (single, list and search pages) and papers-with-abstracts dump"
    item_paths = ["$.results", "$"]
    markers = ['"nips_id"', '"url_abs"', '"conference_url_pdf"']
    projection = {
        "source_id": f"coalesce({field('id')}, regexp_extract({field('paper_url')}, '/paper/([^/?#]+)', 1))",
        "title": field("title"),
        "authors": "json_extract_string(coalesce(j->'$.paper.authors', j->'$.authors'), '$[*]')",
        "publication_date": f"coalesce({field('published')}, {field('date')})",
        # the dump's proceeding is readable ("NeurIPS 2018 12"); the API's is a slug
        "venue": f"CASE WHEN NOT regexp_matches({field('proceeding')}, '^[a-z0-9-]+$') THEN {field('proceeding')} END",
        "arxiv_id": field("arxiv_id"),
        "abstract": field("abstract"),
        "urls": f"""[{field('paper_url')}, {field('url_abs')}, {field('url_pdf')},
                    {field('conference_url_abs')}, {field('conference_url_pdf')}, j->>'$.repository.url']""",
    }

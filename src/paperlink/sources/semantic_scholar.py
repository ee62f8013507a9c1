"""Semantic Scholar papers.

Shapes: Graph API single paper (``/paper/{id}``, object at the root), search pages and
``/paper/search/match`` (``{"data": [...]}``), ``/paper/batch`` (JSON array; ``null`` for ids not
found is skipped), and the bulk ``papers`` dataset (JSON Lines, .gz, lower-case keys such as
``corpusid``, ``externalids``, ``publicationdate``; no ``paperId`` and no abstract).
"""

from paperlink.sources.base import JsonSourceFormat


def s2(key: str, op: str = "->>") -> str:
    """A top-level field under its Graph API name or its lower-case dataset name."""
    return f"coalesce(j{op}'$.{key}', j{op}'$.{key.lower()}')"


def not_arxiv_venue(venue: str) -> str:
    """NULL for the pseudo-venue of arXiv-only papers ("ArXiv", "arXiv.org")."""
    return f"CASE WHEN NOT regexp_matches({venue}, '^\\s*arxiv(\\.org)?\\s*$', 'i') THEN {venue} END"


def clean_pages(pages: str) -> str:
    """Page ranges without stray whitespace: ``"\\n 46-51\\n"`` -> ``46-51``, ``525 - 535`` -> ``525-535``."""
    return f"regexp_replace(regexp_replace({pages}, '^\\s+|\\s+$', '', 'g'), '\\s*-\\s*', '-', 'g')"


EXTERNAL_IDS = s2("externalIds", "->")


class SemanticScholar(JsonSourceFormat):
    name = "semantic_scholar"
    description = "Semantic Scholar Graph API papers (single, search, match, batch) and papers dataset JSONL"
    item_paths = ["$.data", "$"]
    markers = ['"paperId"', '"corpusid"', '"externalids"']
    projection = {
        # the dataset has no paperId: "CorpusId:<n>" (the API's own syntax for that id)
        "source_id": f"""coalesce(j->>'$.paperId',
                                  'CorpusId:' || coalesce({s2('corpusId')}, {EXTERNAL_IDS}->>'$.CorpusId'))""",
        "title": "j->>'$.title'",
        "authors": "json_extract_string(j, '$.authors[*].name')",
        "year": "j->>'$.year'",
        "publication_date": s2("publicationDate"),
        # journal.name goes with journal.volume/pages; `venue` can be the preprint server of a merged paper
        "venue": not_arxiv_venue("coalesce(nullif(j->>'$.journal.name', ''), nullif(j->>'$.venue', ''))"),
        "volume": "CASE WHEN NOT starts_with(j->>'$.journal.volume', 'abs/') THEN j->>'$.journal.volume' END",
        "pages": clean_pages("j->>'$.journal.pages'"),
        "doi": f"{EXTERNAL_IDS}->>'$.DOI'",
        "arxiv_id": f"{EXTERNAL_IDS}->>'$.ArXiv'",
        "pmid": f"{EXTERNAL_IDS}->>'$.PubMed'",
        "abstract": "j->>'$.abstract'",
        "urls": "[j->>'$.url', j->>'$.openAccessPdf.url']",
        "work_type": f"{s2('publicationTypes', '->')}->>'$[0]'",
    }

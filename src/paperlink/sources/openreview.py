"""OpenReview notes, API v1 and v2: ``{"notes": [...], "count"}`` pages (``GET /notes?...``),
a single note object, or notes saved one per line.

* v1 (``api.openreview.net``): ``content`` values are plain (``content.title`` = "...").
* v2 (``api2.openreview.net``): each value is wrapped (``content.title`` = ``{"value": "..."}``).
Only submissions are records: replies in the same forum (reviews, comments, decisions; their
``forum`` is another note's id) are skipped.  The year comes from the venue text ("ICLR 2022
Poster") or the publication date ``pdate``; the date is ``pdate``, else ``cdate`` (epoch ms).
There are no DOI or arXiv fields; the URLs are the forum and PDF pages.
"""

from __future__ import annotations

from paperlink.sources.base import FileSample, JsonSourceFormat


def content(field: str) -> str:
    """SQL for the text of ``content.<field>`` in either API version."""
    return f"coalesce(j->>'$.content.{field}.value', j->>'$.content.{field}')"


VENUE = f"coalesce({content('venue')}, {content('venueid')}, split_part(j->>'$.invitation', '/-/', 1))"
EPOCH_DATE = "try(strftime(epoch_ms(TRY_CAST(j->>'$.{}' AS BIGINT)), '%Y-%m-%d'))"  # try(): an absurd epoch is no date


class OpenReview(JsonSourceFormat):
    name = "openreview"
    description = "OpenReview notes (API v1 and v2)"
    item_paths = ["$.notes", "$"]
    projection = {
        "source_id": "j->>'$.id'",
        "title": content("title"),
        "authors": """CASE WHEN json_type(j, '$.content.authors') = 'OBJECT'
                THEN json_extract_string(j, '$.content.authors.value[*]')
                ELSE json_extract_string(j, '$.content.authors[*]') END""",
        "year": f"coalesce(pl_year({VENUE}), pl_year({EPOCH_DATE.format('pdate')}))",
        "publication_date": f"coalesce({EPOCH_DATE.format('pdate')}, {EPOCH_DATE.format('cdate')})",
        "venue": VENUE,
        "abstract": content("abstract"),
        "urls": """['https://openreview.net/forum?id=' || (j->>'$.forum'),
                    'https://openreview.net/pdf?id=' || (j->>'$.id')]""",
    }

    def detect(self, sample: FileSample) -> bool:
        return sample.stripped[:1] in "[{" and '"forum"' in sample.text and '"content"' in sample.text

    def skip_item_sql(self) -> str:
        return "json_type(j) = 'NULL' OR coalesce(j->>'$.forum' <> j->>'$.id', false)"

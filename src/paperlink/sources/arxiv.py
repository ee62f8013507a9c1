"""arXiv e-prints.

Shapes: the API's Atom feed (``export.arxiv.org/api/query``, one ``<entry>`` per e-print or per
requested version), OAI-PMH XML (``GetRecord``/``ListRecords`` with ``metadataPrefix=arXiv`` or
``arXivRaw``) and the Kaggle metadata snapshot (JSON Lines, .gz).  XML records are converted to
the snapshot's shape (``id``, ``title``, ``abstract``, ``journal-ref``, ``doi``, ``versions``...),
so one projection reads all three.  Old-style ids (``astro-ph/0601001``) and new ones are kept
without their version.
"""

from paperlink.sources.base import (
    FileSample,
    JsonSourceFormat,
    iter_xml_records,
    local_name,
    sample_file,
    xml_text,
)

XML_NAMESPACES = ("http://arxiv.org/schemas/atom", "http://arxiv.org/OAI/arXiv")  # Atom; arXiv, arXivRaw
RENAMED = {"summary": "abstract", "journal_ref": "journal-ref", "comment": "comments"}  # Atom -> snapshot


def leaf_fields(elem) -> dict:
    """Text of the child elements that have no children of their own, under snapshot names."""
    return {RENAMED.get(local_name(c.tag), local_name(c.tag)): xml_text(c) for c in elem if len(c) == 0}


def record_to_dict(elem) -> dict | None:
    """An Atom ``<entry>`` or an OAI-PMH ``<record>`` as a dict shaped like a snapshot line
    (``None``, skipped, for a deleted OAI record, which has no metadata)."""
    if local_name(elem.tag) == "entry":
        fields = leaf_fields(elem)
        fields["author_names"] = [xml_text(a.find("{*}name")) for a in elem.findall("{*}author")]
        fields["urls"] = [link.get("href") for link in elem.findall("{*}link")]
        return fields
    meta = elem.find("{*}metadata/*")  # <arXiv> or <arXivRaw>
    if meta is None:
        return None
    fields = leaf_fields(meta)  # arXivRaw: `authors` is one string
    fields["oai_id"] = xml_text(elem.find("{*}header/{*}identifier"))
    fields["author_names"] = [  # arXiv: <author><keyname/><forenames/><suffix/></author>
        " ".join(filter(None, (xml_text(a.find(f"{{*}}{part}")) for part in ("forenames", "keyname", "suffix"))))
        for a in meta.findall("{*}authors/{*}author")
    ] or None
    fields["versions"] = [
        {"version": v.get("version"), "created": xml_text(v.find("{*}date"))} for v in meta.findall("{*}version")
    ]
    return fields


class Arxiv(JsonSourceFormat):
    name = "arxiv"
    description = "arXiv API Atom feeds, OAI-PMH arXiv/arXivRaw records and the Kaggle metadata snapshot"
    markers = ['"authors_parsed"']
    projection = {
        "source_id": "pl_arxiv_norm(j->>'$.id')",
        "title": "j->>'$.title'",
        "authors": """coalesce(
            TRY_CAST(j->'$.author_names' AS VARCHAR[]),
            list_transform(TRY_CAST(j->'$.authors_parsed' AS VARCHAR[][]),
                           lambda a: concat_ws(' ', nullif(a[2], ''), a[1], nullif(a[3], ''))),
            regexp_split_to_array(regexp_replace(j->>'$.authors', '\\([^()]*\\)', '', 'g'),
                                  '\\s*(?:,|\\band\\b)\\s*'))""",
        # the v1 date: Atom <published>, OAI arXiv <created>, snapshot/arXivRaw first version
        "publication_date": """coalesce(left(j->>'$.published', 10), j->>'$.created',
            strftime(try_strptime(j->>'$.versions[0].created', '%a, %d %b %Y %H:%M:%S GMT'), '%Y-%m-%d'))""",
        "venue": "j->>'$.\"journal-ref\"'",
        "doi": "j->>'$.doi'",
        "arxiv_id": "j->>'$.id'",
        "abstract": "j->>'$.abstract'",
        "urls": "coalesce(TRY_CAST(j->'$.urls' AS VARCHAR[]), ['https://arxiv.org/abs/' || pl_arxiv_norm(j->>'$.id')])",
        "other_ids": "[j->>'$.oai_id']",
        "work_type": "'preprint'",
    }

    def detect(self, sample: FileSample) -> bool:
        if sample.looks_like_xml:
            return any(ns in sample.text for ns in XML_NAMESPACES)
        return super().detect(sample)

    def raw_items(self, con, path):
        if sample_file(path, 4096).looks_like_xml:
            yield from iter_xml_records(path, {"entry", "record"}, record_to_dict)
        else:
            yield from super().raw_items(con, path)

    def skip_item_sql(self) -> str:
        # the API answers a malformed id with an <entry> whose <id> is an error URL
        return f"{super().skip_item_sql()} OR contains(j->>'$.id', 'arxiv.org/api/errors')"

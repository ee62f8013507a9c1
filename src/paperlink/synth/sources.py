"""Render works as records of each source, in the source's native shape, with that source's noise.

Each :class:`Source` has its own ``random.Random`` (per shard of works) and turns ``(work,
variant)`` into ``(source_id, text)``: ``source_id`` is the id the paperlink loader takes
(``W123``, the DOI, ``CorpusId:123``, the arXiv id, the PwC slug, the DBLP key) and ``text`` one
JSON line, one JSON array element or one XML element.  Variants: ``main`` (the published
version, or the preprint of an unpublished work), ``preprint`` (the preprint of a published
work: OpenAlex's separate work, Crossref's posted-content DOI, DBLP's CoRR record) and
``duplicate`` (a second OpenAlex record).

Records are ``json.dumps`` of a dict; the parts that dominate the cost (author lists, OpenAlex's
abstract index) are serialised by templates into the same text and spliced in (:func:`dumps`).
"""

from __future__ import annotations

import datetime
import json
import random
from html.entities import codepoint2name
from json.encoder import encode_basestring as js

from paperlink.synth import vocab
from paperlink.synth.works import INITIALS, Person, Work, sentence_case, xml_escape

# --------------------------------------------------------------------------------------- noise

TITLE_UPPER = 0.008  # record title in ALL CAPS
TITLE_LOWER = 0.015  # record title all lower case
TITLE_HYPHEN_LOSS = 0.06  # hyphens lost ("half-inversion" -> "halfinversion" / "half inversion")
TITLE_PERIOD = 0.03  # trailing "." (DBLP: always)
MOJIBAKE = 0.015  # record whose non-ASCII text was decoded as Latin-1 ("SjÃ¶strÃ¶m")
AUTHOR_TYPO = 0.012  # one-character edit in one author name
AUTHOR_SWAP = 0.02  # two adjacent authors swapped
AUTHOR_TRUNCATE = 0.025  # only the first three authors (lists longer than three)
MISSING_DOI = 0.04  # a source that usually has the DOI lacks it
MISSING_VENUE = 0.04
MISSING_DATE = 0.01
WRONG_YEAR = 0.005  # OpenAlex year off after merging a junk DOI
WRONG_PAGES = 0.03  # first page misprinted (a digit typed wrong, an article number for pages)
ABSTRACT_SHARE = {"openalex": 0.6, "crossref": 0.25, "paperswithcode": 0.98, "arxiv": 1.0}

# how sources write names: share abbreviating given names, dropping accents, "Family, Given" raw
ABBREVIATE = {"openalex": 0.08, "crossref": 0.12, "semantic_scholar": 0.35, "arxiv": 0.3,
              "paperswithcode": 0.05, "dblp": 0.0}
FOLD_ACCENTS = {"openalex": 0.1, "crossref": 0.15, "semantic_scholar": 0.2, "arxiv": 0.0,
                "paperswithcode": 0.3, "dblp": 0.0}
INVERTED_RAW_NAME = 0.05  # OpenAlex raw_author_name "Family, Given" (preprints: 0.4)
S2_DOI_UPPER = 0.4  # S2 DOIs upper-cased ("10.1023/A:1007154515475")
DBLP_DOI_UPPER = 0.5  # DBLP ee DOIs in registered (upper) case
ARXIV_DOI_IN_S2 = 0.7  # arXiv-only S2 papers with DOI 10.48550/arXiv.<id>
ARXIV_PUBLISHED_DOI = 0.45  # arXiv records of published works carrying the publisher DOI
ARXIV_JOURNAL_REF = 0.5


def _fold_cache() -> dict[str, str]:
    names = {n for _, g, f in vocab.NAME_CULTURES.values() for n in g + f}
    return {n: vocab.fold(n) for n in names}


FOLDED = _fold_cache()
FOLDED.update({i: vocab.fold(i) for i in INITIALS.values()})


def mojibake(s: str) -> str:
    """UTF-8 bytes read as Latin-1: "Sjöström" -> "SjÃ¶strÃ¶m"."""
    return s.encode("utf-8").decode("latin-1")


def typo(s: str, rnd) -> str:
    """One character substituted, dropped, doubled or swapped with its neighbour."""
    if len(s) < 4:
        return s
    i = 1 + int(rnd() * (len(s) - 2))
    op = int(rnd() * 4)
    if op == 0:
        return s[:i] + "aeiounrst"[int(rnd() * 9)] + s[i + 1:]
    if op == 1:
        return s[:i] + s[i + 1:]
    if op == 2:
        return s[:i] + s[i] + s[i:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:]


def lose_hyphens(title: str, rnd) -> str:
    return title.replace("-", "" if rnd() < 0.5 else " ")


class Source:
    """Base of the source renderers: a random stream and shared record-level noise."""

    name: str
    filename: str
    header = ""
    terminator = "\n"  # after every record
    separator = ""  # between records (and between shards)
    footer = ""
    gzip = False
    xml = False  # XML: non-ASCII written as entities and character references

    def __init__(self, seed: int, abstracts: list[str], shard: int = 0, shards: int = 1):
        self.rng = random.Random(f"paperlink-synth/{seed}/{self.name}/{shard}")
        self.rnd = self.rng.random
        # page misprints draw from their own stream: the rest of a corpus is as before they existed
        self.pages_rnd = random.Random(f"paperlink-synth/{seed}/{self.name}/{shard}/pages").random
        self.abstracts = abstracts
        self.shard, self.shards = shard, shards
        self.seen: dict[str, int] = {}

    def pages(self, w) -> tuple[str, str] | None:
        """The work's (first, last) page as this record gives it: now and then misprinted."""
        rnd = self.pages_rnd
        if not w.pages or rnd() >= WRONG_PAGES:
            return w.pages
        first, last = w.pages
        i = int(rnd() * len(first))
        typo = first[:i] + str((int(first[i]) + 1 + int(rnd() * 8)) % 10) + first[i + 1:]
        return (typo.lstrip("0") or "1", last)

    def page_range(self, w) -> str:
        """``first-last``, or the one page of a one-page work."""
        first, last = self.pages(w)
        return f"{first}-{last}" if first != last else first

    def unique(self, key: str) -> int:
        """A number unique to this use of ``key`` in the corpus (for suffixes like "a", "-1"):
        ``local * shards + shard``, so 0 only for the first use in shard 0."""
        local = self.seen.get(key, 0)
        self.seen[key] = local + 1
        return local * self.shards + self.shard

    def render(self, work: Work, variant: str) -> tuple[str, str]:
        raise NotImplementedError

    # ------------------------------------------------------------------ shared helpers

    def title(self, t: str) -> str:
        """Record-level title noise: casing, lost hyphens, trailing period."""
        rnd = self.rnd
        r = rnd()
        if r < TITLE_UPPER + TITLE_LOWER and "$" not in t and "\\" not in t:
            t = t.upper() if r < TITLE_UPPER else t.lower()
        if "-" in t and rnd() < TITLE_HYPHEN_LOSS:
            t = lose_hyphens(t, rnd)
        if rnd() < TITLE_PERIOD:
            t += "."
        return t

    def author_list(self, authors: tuple[Person, ...]) -> list[Person]:
        """The author list with list noise: two neighbours swapped, or cut after three."""
        out = list(authors)
        if len(out) > 1:
            r = self.rnd()
            if r < AUTHOR_SWAP:
                i = int(self.rnd() * (len(out) - 1))
                out[i], out[i + 1] = out[i + 1], out[i]
            elif r < AUTHOR_SWAP + AUTHOR_TRUNCATE and len(out) > 3:
                del out[3:]
        return out

    def names(self, authors: tuple[Person, ...], style) -> list:
        """Authors (after list noise) rendered by ``style(person, abbreviate, fold)``."""
        rnd = self.rnd
        abbreviate, fold = rnd() < ABBREVIATE[self.name], rnd() < FOLD_ACCENTS[self.name]
        return [style(p, abbreviate, fold) for p in self.author_list(authors)]

    def typo_names(self, names: list[str]) -> list[str]:
        if names and self.rnd() < AUTHOR_TYPO * len(names):
            i = int(self.rnd() * len(names))
            names[i] = typo(names[i], self.rnd)
        return names

    def abstract(self, work: Work) -> str | None:
        if work.abstract is None or self.rnd() >= ABSTRACT_SHARE[self.name]:
            return None
        return self.abstracts[work.abstract]


def full_name(p: Person, abbreviate: bool = False, fold: bool = False) -> str:
    """ "Given M. Family" / "G. M. Family", accents folded on request."""
    if not fold:
        return p[7] if abbreviate else p[6]
    g = FOLDED[INITIALS[p[1]] if abbreviate else p[1]]
    return f"{g} {p[2]}. {FOLDED[p[3]]}" if p[2] else f"{g} {FOLDED[p[3]]}"


def iso(date: tuple[int, int, int]) -> str:
    return "%04d-%02d-%02d" % date


RAW = "\x00"  # placeholder value for a pre-serialised JSON fragment


def dumps(record: dict, *fragments: str) -> str:
    """``json.dumps(record)`` with the values ``RAW`` replaced, in order, by JSON ``fragments``."""
    text = json.dumps(record, ensure_ascii=False)
    for fragment in fragments:
        text = text.replace('"\\u0000"', fragment, 1)
    return text


def json_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


# --------------------------------------------------------------------------------------- OpenAlex

OPENALEX_ARXIV_SOURCE = {"id": "https://openalex.org/S4306400194", "display_name": "arXiv (Cornell University)",
                         "issn_l": None, "issn": None, "is_oa": True, "type": "repository"}
VENUE_IDS = {v.name: 4200000000 + 7919 * i for i, v in enumerate(vocab.VENUES)}


class OpenAlex(Source):
    name = "openalex"
    filename = "openalex.jsonl.gz"
    gzip = True

    def __init__(self, *args):
        super().__init__(*args)
        self.inverted: dict[int, str] = {}

    def render(self, w, variant):
        rnd = self.rnd
        n = 3 * w.idx + VARIANTS.index(variant)
        wid = f"W{1000000000 + n * 2654435761 % 3000000000}"  # a bijection: unique per record
        url = "https://openalex.org/" + wid
        preprint = variant == "preprint" or w.venue is None
        arxiv_url = f"https://arxiv.org/abs/{w.arxiv}" if w.arxiv else None
        if preprint:
            title = w.pre_title_tex if rnd() < 0.4 else w.pre_title
            year = w.pre_date[0]
            date = f"{year}-01-01" if rnd() < 0.3 else iso(w.pre_date)
            doi = f"https://doi.org/10.48550/arxiv.{w.arxiv}"
            source = OPENALEX_ARXIV_SOURCE
            landing, kind, kind_crossref = arxiv_url, "preprint", "posted-content"
            locations = [self.location(landing, f"https://arxiv.org/pdf/{w.arxiv}", source, "submittedVersion")]
        else:
            title = w.title
            year, date = w.date[0], iso(w.date)
            doi = "https://doi.org/" + w.doi if w.doi and rnd() >= MISSING_DOI else None
            venue = w.venue
            source = None if rnd() < MISSING_VENUE else {
                "id": f"https://openalex.org/S{VENUE_IDS[venue.name]}", "display_name": venue.name,
                "issn_l": None, "issn": None, "is_oa": False, "type": venue.kind}
            landing = "https://doi.org/" + w.doi if w.doi else None
            kind = "editorial" if w.generic else "article"
            kind_crossref = "proceedings-article" if venue.kind == "conference" else "journal-article"
            locations = [self.location(landing, None, source, "publishedVersion")]
            if arxiv_url and variant == "main" and rnd() < 0.6:
                locations.append(self.location(arxiv_url, f"https://arxiv.org/pdf/{w.arxiv}",
                                               OPENALEX_ARXIV_SOURCE, "submittedVersion"))
        if variant == "duplicate":
            doi = None if rnd() < 0.7 else doi
        if rnd() < WRONG_YEAR:
            year = min(2025, year + 1 + int(rnd() * 8))
            date = f"{year}-{date[5:]}"
        title = self.title(title)
        if rnd() < MOJIBAKE:
            title = mojibake(title)
        authorships = self.authorships(w.authors, preprint)
        ids = {"openalex": url, "doi": doi} if doi else {"openalex": url}
        if w.pmid and not preprint and rnd() < 0.8:
            ids["pmid"] = f"https://pubmed.ncbi.nlm.nih.gov/{w.pmid}"
        pages = self.pages(w) if not preprint else None
        rec = {
            "id": url, "doi": doi, "title": title, "display_name": title,
            "publication_year": year, "publication_date": date,
            "ids": ids,
            "language": "en",
            "primary_location": locations[0],
            "type": kind, "type_crossref": kind_crossref,
            "open_access": {"is_oa": preprint, "oa_status": "green" if preprint else "closed",
                            "oa_url": landing if preprint else None},
            "authorships": RAW,
            "biblio": {"volume": None if preprint else w.volume, "issue": None if preprint else w.issue,
                       "first_page": pages[0] if pages else None, "last_page": pages[1] if pages else None},
            "is_retracted": False, "is_paratext": w.generic,
            "cited_by_count": int(rnd() * rnd() * 500),
            "locations_count": len(locations), "locations": locations,
            "updated_date": "2025-08-02T18:39:20.385507",
            "abstract_inverted_index": RAW,
        }
        return wid, dumps(rec, authorships, self.inverted_index(w))

    @staticmethod
    def location(landing, pdf, source, version):
        return {"is_oa": pdf is not None, "landing_page_url": landing, "pdf_url": pdf,
                "source": source, "version": version}

    AUTHORSHIP = ('{"author_position": "%s", "author": {"id": "https://openalex.org/A%d", '
                  '"display_name": %s, "orcid": null}, "institutions": [], "raw_author_name": %s, '
                  '"raw_affiliation_strings": []}')

    def authorships(self, authors, preprint) -> str:
        """The ``authorships`` list as JSON: normalised display names, raw names as deposited."""
        rnd = self.rnd
        fold = rnd() < FOLD_ACCENTS["openalex"]
        inverted = rnd() < (0.4 if preprint else INVERTED_RAW_NAME)
        abbreviate = rnd() < ABBREVIATE["openalex"]
        mangle = rnd() < MOJIBAKE
        if inverted:
            raws = [f"{FOLDED[p[3]] if fold else p[3]}, {p[1]}{' ' + p[2] if p[2] else ''}" for p in authors]
        else:
            raws = [full_name(p, abbreviate, fold) for p in authors]
        if mangle:
            raws = [mojibake(r) for r in raws]
        self.typo_names(raws)
        last = len(authors) - 1
        return json_list([self.AUTHORSHIP % ("first" if i == 0 else "last" if i == last else "middle",
                                             5000000000 + p[0], js(p[6]), js(raws[i]))
                          for i, p in enumerate(authors)])

    def inverted_index(self, w) -> str:
        """The abstract as OpenAlex's {word: [positions]}, serialised (cached per pooled abstract)."""
        if w.abstract is None or self.rnd() >= ABSTRACT_SHARE["openalex"]:
            return "null"
        text = self.inverted.get(w.abstract)
        if text is None:
            index: dict[str, list[int]] = {}
            for pos, word in enumerate(self.abstracts[w.abstract].split()):
                index.setdefault(word, []).append(pos)
            text = self.inverted[w.abstract] = json.dumps(index, ensure_ascii=False)
        return text


# --------------------------------------------------------------------------------------- Crossref

MEMBERS = {"10.1109": "263", "10.1007": "297", "10.1016": "78", "10.1145": "320", "10.1038": "297",
           "10.1103": "16", "10.1073": "341", "10.1371": "340", "10.1093": "286", "10.18653": "1643",
           "10.1162": "281", "10.1063": "317", "10.1126": "221", "10.1021": "316", "10.1002": "311",
           "10.1137": "351", "10.1080": "301", "10.4007": "4480", "10.1101": "246", "10.26434": "316",
           "10.1609": "9382", "10.24963": "10584", "10.3847": "266", "10.1088": "266", "10.7717": "4443",
           "10.1023": "297"}


class Crossref(Source):
    name = "crossref"
    filename = "crossref.jsonl.gz"
    gzip = True

    def render(self, w, variant):
        rnd = self.rnd
        if variant == "preprint":  # posted-content on bioRxiv / ChemRxiv
            server = vocab.PREPRINT_SERVERS[w.field][0]
            doi, title, date = w.pre_doi, w.pre_title_markup, w.pre_date
            kind, container, pages = "posted-content", None, None
            publisher = "Cold Spring Harbor Laboratory" if server == "bioRxiv" else "American Chemical Society (ACS)"
        else:
            venue = w.venue
            doi, title, date, publisher = w.doi, w.title_markup, w.date, venue.publisher
            kind = "proceedings-article" if venue.kind == "conference" else "journal-article"
            container = venue.proceedings.format(y=date[0], name=venue.name, v=date[0] - venue.start + 1) \
                if venue.kind == "conference" else venue.name
            pages = self.page_range(w)
        if rnd() < 0.05:
            doi = doi.upper()
        prefix = doi.split("/", 1)[0]
        r = rnd()
        issued = [[date[0]]] if r < 0.1 else [[date[0], date[1]]] if r < 0.7 else [list(date)]
        if rnd() < MISSING_DATE:
            issued = [[None]]
        t = title if "<" in title or "&" in title else self.title(title)  # keep markup intact
        rec = {
            "reference-count": int(rnd() * 60), "publisher": publisher, "DOI": doi, "type": kind,
            "created": {"date-parts": [list(date)]},
            "source": "Crossref", "is-referenced-by-count": int(rnd() * rnd() * 300),
            "title": [t], "prefix": prefix, "member": MEMBERS.get(prefix, "7"),
            "original-title": [], "score": 1, "subtitle": [], "short-title": [],
            "issued": {"date-parts": issued},
            "URL": "https://doi.org/" + doi, "relation": {}, "subject": [],
        }
        authors = self.names(w.authors, self.person)
        if authors:
            authors[0] = authors[0].replace('"additional"', '"first"', 1)
            rec["author"] = RAW
        if container:
            rec["container-title"] = [container] if rnd() >= MISSING_VENUE else []
            rec["short-container-title"] = [w.venue.abbrev] if w.venue.kind == "journal" else []
            if w.venue.kind == "conference":
                rec["event"] = {"name": container}
            if w.volume:
                rec["volume"] = w.volume
            if w.issue:
                rec["issue"] = w.issue
            rec["page"] = pages
            rec["published-print"] = {"date-parts": [[date[0], date[1]]]}
        else:
            rec["subtype"] = "preprint"
            rec["institution"] = [{"name": server}]
            rec["posted"] = {"date-parts": [list(date)]}
            if w.doi:
                rec["relation"] = {"is-preprint-of": [{"id-type": "doi", "id": w.doi, "asserted-by": "subject"}]}
        abstract = self.abstract(w)
        if abstract:
            rec["abstract"] = f"<jats:p>{xml_escape(abstract)}</jats:p>"
        return doi, dumps(rec, json_list(authors)) if authors else dumps(rec)

    AUTHOR = '{"given": %s, "family": %s, "sequence": "additional", "affiliation": []}'

    def person(self, p: Person, abbreviate: bool, fold: bool) -> str:
        rnd = self.rnd
        given, middle, family = p[1], p[2], p[3]
        if abbreviate:
            given = INITIALS[given]
        if middle:
            given = f"{given} {middle}."
        if fold:
            given, family = vocab.fold(given), FOLDED[family]
        r = rnd()
        if r < AUTHOR_TYPO:
            family = typo(family, rnd)
        elif r < AUTHOR_TYPO + 0.004 and " " in given:  # split error: given "Andres", family "M. Bran"
            given, rest = given.split(" ", 1)
            family = f"{rest} {family}"
        elif r < AUTHOR_TYPO + 0.01:
            family = family.upper()
        return self.AUTHOR % (js(given), js(family))


# --------------------------------------------------------------------------------------- Semantic Scholar

S2_PUBLICATION_TYPES = {"journal": ["JournalArticle"], "conference": ["Conference"]}


class SemanticScholar(Source):
    name = "semantic_scholar"
    filename = "semantic_scholar.jsonl.gz"
    gzip = True

    def render(self, w, variant):
        rnd = self.rnd
        corpus_id = 1000000 + (w.idx * 2654435761) % 300000000 + 300000000 * (w.idx // 300000000)
        venue = w.venue
        # S2 merges a preprint and its published version into one paper with the preprint's date
        date = w.pre_date if w.arxiv and (venue is None or rnd() < 0.6) else w.date
        doi = w.doi
        if doi and rnd() < S2_DOI_UPPER:
            doi = doi.upper()
        if w.arxiv and not doi and rnd() < ARXIV_DOI_IN_S2:
            doi = f"10.48550/arXiv.{w.arxiv}"
        if doi and rnd() < MISSING_DOI:
            doi = None
        if venue is None:
            venue_name = "arXiv.org" if rnd() < 0.5 else ""
            journal = {"name": "ArXiv", "volume": f"abs/{w.arxiv}"}
        else:
            venue_name = venue.abbrev if rnd() < 0.4 else venue.name
            if rnd() < MISSING_VENUE:
                venue_name = ""
            pages = (" - " if rnd() < 0.7 else "-").join(self.pages(w))
            journal = {"name": venue.name, "pages": pages}
            if w.volume:
                journal["volume"] = w.volume
        title = w.title if venue is not None else w.pre_title
        if rnd() < 0.25:
            title = sentence_case(title)
        title = self.title(title)
        persons = self.author_list(w.authors)
        abbreviate, fold = rnd() < ABBREVIATE["semantic_scholar"], rnd() < FOLD_ACCENTS["semantic_scholar"]
        names = self.typo_names([full_name(p, abbreviate, fold) for p in persons])
        if rnd() < MOJIBAKE:
            title, names = mojibake(title), [mojibake(a) for a in names]
        rec = {
            "corpusid": corpus_id,
            "externalids": {"ACL": None, "DBLP": None, "ArXiv": w.arxiv, "MAG": None,
                            "CorpusId": str(corpus_id), "PubMed": w.pmid if rnd() < 0.9 else None, "DOI": doi,
                            "PubMedCentral": None},
            "url": f"https://www.semanticscholar.org/paper/{self.rng.getrandbits(160):040x}",
            "title": title,
            "authors": RAW,
            "venue": venue_name, "publicationvenueid": None,
            "year": date[0] if rnd() >= MISSING_DATE else None,
            "referencecount": int(rnd() * 60), "citationcount": int(rnd() * rnd() * 300),
            "influentialcitationcount": int(rnd() * 5), "isopenaccess": w.arxiv is not None,
            "s2fieldsofstudy": None,
            "publicationtypes": S2_PUBLICATION_TYPES.get(venue.kind) if venue else None,
            "publicationdate": iso(date) if rnd() < 0.8 else None,
            "journal": journal,
            "updated": "2025-08-12T06:21:47.011Z",
        }
        authors = json_list(['{"authorId": "%d", "name": %s}' % (1000000 + p[0], js(name))
                             for p, name in zip(persons, names)])
        return f"CorpusId:{corpus_id}", dumps(rec, authors)


# --------------------------------------------------------------------------------------- arXiv

ARXIV_COMMENTS = ["{p} pages, {f} figures", "{p} pages", "Accepted at {v}", "To appear in {v}",
                  "{p} pages, {f} figures; v2: typos corrected", "Published version", None, None]
ARXIV_LICENSES = ["http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
                  "http://creativecommons.org/licenses/by/4.0/", None]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def wrap(text: str, width: int = 79, indent: str = "") -> str:
    """Greedy line wrapping (as in arXiv titles and abstracts), no hyphenation."""
    lines, line = [], indent
    for word in text.split(" "):
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line.strip() else line + word
    lines.append(line)
    return "\n".join(lines)


class Arxiv(Source):
    name = "arxiv"
    filename = "arxiv.jsonl"

    def __init__(self, *args):
        super().__init__(*args)
        self.wrapped: dict[int, str] = {}

    def render(self, w, variant):
        rnd = self.rnd
        venue = w.venue
        persons = self.author_list(w.authors)
        abbreviate = rnd() < ABBREVIATE["arxiv"]
        authors = [self.tex_name(p, abbreviate) for p in persons]
        if len(persons) < len(w.authors) and rnd() < 0.5:
            authors_text = ", ".join(authors) + " et al."  # cut list, said so
        elif len(authors) > 1:
            authors_text = ", ".join(authors[:-1]) + " and " + authors[-1]
        else:
            authors_text = "".join(authors) or "Anonymous"
        versions, created = [], datetime.date(*w.pre_date)
        for v in range(w.versions):
            d = created + datetime.timedelta(days=v * (20 + int(rnd() * 200)))
            versions.append({"version": f"v{v + 1}", "created": "%s, %d %s %d %02d:%02d:%02d GMT" % (
                WEEKDAYS[d.weekday()], d.day, MONTHS[d.month - 1], d.year, int(rnd() * 24),
                int(rnd() * 60), int(rnd() * 60))})
        published = venue is not None
        comment = ARXIV_COMMENTS[int(rnd() * len(ARXIV_COMMENTS))]
        if comment:
            comment = comment.format(p=4 + int(rnd() * 40), f=1 + int(rnd() * 12),
                                     v=f"{venue.abbrev} {w.date[0]}" if venue else "a journal")
        title = self.title(w.pre_title_tex)
        rec = {
            "id": w.arxiv,
            "submitter": full_name(w.authors[0]) if w.authors else "Anonymous",
            "authors": authors_text,
            "title": wrap(title, 72).replace("\n", "\n  ") if len(title) > 72 else title,
            "comments": comment,
            "journal-ref": self.journal_ref(w) if published and rnd() < ARXIV_JOURNAL_REF else None,
            "doi": w.doi if published and w.doi and rnd() < ARXIV_PUBLISHED_DOI else None,
            "report-no": None,
            "categories": " ".join(w.categories),
            "license": ARXIV_LICENSES[int(rnd() * 3)],
            "abstract": self.wrapped_abstract(w),
            "versions": versions,
            "update_date": iso((d.year, d.month, d.day)),
            "authors_parsed": [[p[3], f"{p[1]} {p[2]}." if p[2] else p[1], ""] for p in persons],
        }
        return w.arxiv, json.dumps(rec)

    def journal_ref(self, w: Work) -> str:
        """Free text as authors write it: "Phys. Rev. D 76, 1309-1321 (2007)", "CVPR 2016"."""
        venue, year = w.venue, w.date[0]
        if venue.kind == "conference":
            return f"{venue.abbrev} {year}" if self.rnd() < 0.6 else f"Proceedings of {venue.abbrev} {year}, pp. {'-'.join(w.pages)}"
        if self.rnd() < 0.5:
            return f"{venue.abbrev} {w.volume}, {'-'.join(w.pages)} ({year})"
        return f"{venue.abbrev.replace(' ', '')}{w.volume}:{w.pages[0]},{year}"

    def tex_name(self, p: Person, abbreviate: bool) -> str:
        name = full_name(p, abbreviate)
        return vocab.tex(name) if self.rnd() < 0.7 else name

    def wrapped_abstract(self, w):
        text = self.wrapped.get(w.abstract)
        if text is None:
            text = "  " + wrap(self.abstracts[w.abstract]) + "\n"
            self.wrapped[w.abstract] = text
        return text


# --------------------------------------------------------------------------------------- Papers with Code

PWC_TASKS = ["Image Classification", "Object Detection", "Question Answering", "Language Modelling",
             "Semantic Segmentation", "Machine Translation", "Node Classification", "Link Prediction",
             "Time Series Forecasting", "Anomaly Detection", "Speech Recognition", "Retrieval"]
PWC_CONFERENCES = {"NeurIPS", "ICML", "ICLR", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "NAACL", "AAAI",
                   "IJCAI", "KDD", "ICASSP"}


class PapersWithCode(Source):
    name = "paperswithcode"
    filename = "paperswithcode.json"
    header = "["
    terminator = ""
    separator = ",\n"
    footer = "]\n"

    def render(self, w, variant):
        rnd = self.rnd
        slug = "-".join("".join(c for c in word if c.isalnum())
                        for word in vocab.fold(w.pre_title).lower().split()[:6]).strip("-")
        slug = slug.replace("--", "-") or "paper"
        n = self.unique(slug)
        if n:
            slug = f"{slug}-{n}"
        venue = w.venue
        conference = venue is not None and venue.abbrev in PWC_CONFERENCES
        last = f"v{w.versions}"
        rec = {
            "paper_url": f"https://paperswithcode.com/paper/{slug}",
            "arxiv_id": w.arxiv,
            "nips_id": None, "openreview_id": None,
            "title": self.title(w.pre_title_tex if rnd() < 0.5 else w.pre_title),  # from arXiv, TeX kept
            "abstract": self.abstract(w),
            "short_abstract": None,
            "url_abs": f"http://arxiv.org/abs/{w.arxiv}{last}",
            "url_pdf": f"http://arxiv.org/pdf/{w.arxiv}{last}.pdf",
            "proceeding": f"{venue.abbrev} {w.date[0]} {w.date[1]}" if conference else None,
            "authors": self.typo_names(self.names(w.authors, full_name)),
            "tasks": [PWC_TASKS[int(rnd() * len(PWC_TASKS))] for _ in range(int(rnd() * 3))],
            "date": iso(w.pre_date),
            "conference": slug if conference else None,
            "conference_url_abs": None, "conference_url_pdf": None,
            "reproduces_paper": None,
            "methods": [],
        }
        return slug, json.dumps(rec, ensure_ascii=False)


# --------------------------------------------------------------------------------------- DBLP

# the dump writes Latin-1 letters as entities declared in dblp.dtd, everything else as char refs
DBLP_ENTITIES = {cp: f"&{name};" for cp, name in codepoint2name.items() if 0xC0 <= cp <= 0xFF}


class Dblp(Source):
    name = "dblp"
    filename = "dblp.xml"
    header = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE dblp SYSTEM "dblp.dtd">\n<dblp>\n'
    footer = "</dblp>\n"
    xml = True

    def __init__(self, *args):
        super().__init__(*args)
        self.xml_names: dict[str, str] = {}

    def render(self, w, variant):
        rnd = self.rnd
        corr = variant == "preprint" or w.venue is None
        authors = [self.xml_name(p) for p in w.authors]
        if corr:
            year = w.pre_date[0]
            new_style = "." in w.arxiv
            if new_style and (year >= 2018 or rnd() < 0.3):
                key = "journals/corr/abs-" + w.arxiv.replace(".", "-")
            elif new_style:
                key = self.key("journals/corr", w, year)
            else:
                key = "journals/corr/" + w.arxiv.replace("/", "-").replace(".", "-")
            tag, title = "article", w.pre_title_markup
            fields = [("journal", "CoRR"), ("volume", f"abs/{w.arxiv}")]
            ees = [f"https://arxiv.org/abs/{w.arxiv}"]
        else:
            venue, year = w.venue, w.date[0]
            key = self.key(venue.dblp, w, year)
            title = w.title_markup
            pages = self.page_range(w)
            if venue.kind == "journal":
                tag = "article"
                fields = [("pages", pages), ("volume", w.volume)]
                fields += [("journal", xml_escape(venue.abbrev))] + ([("number", w.issue)] if w.issue else [])
            else:
                tag = "inproceedings"
                fields = [("pages", pages), ("booktitle", xml_escape(venue.abbrev))]
            ees = []
            if w.doi:
                doi = w.doi if rnd() >= DBLP_DOI_UPPER else w.doi.split("/", 1)[0] + "/" + w.doi.split("/", 1)[1].upper()
                ees.append(f"https://doi.org/{doi}")
        if title[-1:] not in ".?!":
            title += "."
        parts = [f'<{tag} key="{key}" mdate="{2015 + w.idx % 10}-0{1 + w.idx % 9}-1{w.idx % 10}">']
        parts += [f"<author>{a}</author>" for a in authors]
        parts.append(f"<title>{title}</title>")
        parts += [f"<{k}>{v}</{k}>" for k, v in fields[:1]]
        parts.append(f"<year>{year}</year>")
        parts += [f"<{k}>{v}</{k}>" for k, v in fields[1:]]
        parts += [f'<ee type="oa">{e}</ee>' if "arxiv" in e else f"<ee>{e}</ee>" for e in ees]
        parts.append(f"<url>db/{key.rsplit('/', 1)[0]}/{key.split('/')[1]}{year}.html#{key.rsplit('/', 1)[1]}</url>")
        parts.append(f"</{tag}>")
        text = "\n".join(parts)
        return key, text if title.isascii() else text.translate(DBLP_ENTITIES)

    def xml_name(self, p: Person) -> str:
        """``Jos&eacute; Garc&iacute;a 0003`` (cached per name)."""
        name = self.xml_names.get(p[6])
        if name is None:
            name = self.xml_names[p[6]] = xml_escape(p[6]).translate(DBLP_ENTITIES)
        return f"{name} {p[4]:04d}" if p[4] else name

    def key(self, stream: str, w: Work, year: int) -> str:
        """``conf/cvpr/HeZRS16``: first author's family name, other initials, year; a, b, ... on clashes."""
        if w.authors:
            names = [FOLDED[p[3]].replace(" ", "").replace("'", "").replace("-", "") for p in w.authors]
            base = names[0][:1].upper() + names[0][1:] + "".join(n[:1].upper() for n in names[1:8])
        else:
            base = "".join(c for c in vocab.fold(w.title.split(" ")[0]) if c.isalpha()) or "X"
        key = f"{stream}/{base}{year % 100:02d}"
        n = self.unique(key)
        if n:
            suffix = ""
            while n:
                n, r = divmod(n - 1, 26)
                suffix = chr(97 + r) + suffix
            key += suffix
        return key


VARIANTS = ("main", "preprint", "duplicate")
SOURCES: dict[str, type[Source]] = {
    s.name: s for s in (OpenAlex, Crossref, SemanticScholar, Arxiv, PapersWithCode, Dblp)
}

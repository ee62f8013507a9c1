"""The true works of the synthetic corpus and which records each source holds of them.

:class:`WorkStream` yields :class:`Work` objects one by one from its own ``random.Random``: the
work itself (title, authors, dates, venue, identifiers) and the list of records the sources hold
(``records``: ``(source, variant)``).  Sources render those records with their own random streams
(see :mod:`paperlink.synth.sources`), so the works are the same whichever sources one renders.

Hard negatives are extra works generated right after the work they imitate: errata, Part I/II
pairs, same authors + venue + year with another title, near-identical titles, and works with
generic titles ("Editorial").
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from paperlink.synth import vocab

# --------------------------------------------------------------------------------------- ratios

# kinds of works: (kind, share); kind decides the field mix and which sources hold the work
KINDS = [
    ("cs_conference", 0.22),  # CS conference paper: DBLP, often arXiv + PwC, S2, OpenAlex, Crossref
    ("cs_journal", 0.07),  # CS journal article: Crossref, OpenAlex, S2, DBLP, sometimes arXiv
    ("journal", 0.45),  # physics / biomed / chemistry / math journal article
    ("preprint", 0.24),  # arXiv preprint never published
    ("generic", 0.02),  # "Editorial", "Preface", ... (shared titles)
]
# field of journal articles and preprints
JOURNAL_FIELDS = [("physics", 0.30), ("biomed", 0.42), ("chemistry", 0.13), ("math", 0.15)]
PREPRINT_FIELDS = [("cs", 0.45), ("physics", 0.33), ("math", 0.15), ("biomed", 0.04), ("chemistry", 0.03)]

# P(source holds the work) by kind; arXiv/PwC only where the field has preprints that year
SOURCE_SHARE = {
    "cs_conference": {"openalex": 0.93, "crossref": 0.88, "semantic_scholar": 0.90, "dblp": 0.97,
                      "arxiv": 0.65, "paperswithcode": 0.55},
    "cs_journal": {"openalex": 0.95, "crossref": 0.95, "semantic_scholar": 0.90, "dblp": 0.95,
                   "arxiv": 0.35, "paperswithcode": 0.30},
    "journal": {"openalex": 0.95, "crossref": 0.97, "semantic_scholar": 0.85, "dblp": 0.0,
                "arxiv": None, "paperswithcode": 0.0},  # arXiv: JOURNAL_ARXIV_SHARE by field
    "preprint": {"openalex": 0.75, "crossref": 0.0, "semantic_scholar": 0.80, "dblp": 0.70,
                 "arxiv": 1.0, "paperswithcode": 0.35},  # DBLP/PwC: CS only
    "generic": {"openalex": 0.90, "crossref": 0.97, "semantic_scholar": 0.50, "dblp": 0.0,
                "arxiv": 0.0, "paperswithcode": 0.0},
}
JOURNAL_ARXIV_SHARE = {"physics": 0.55, "math": 0.45, "biomed": 0.06, "chemistry": 0.08}
PUBMED_SHARE = 0.85  # biomed journal articles indexed in PubMed (PMID in OpenAlex and S2)
POSTED_CONTENT_SHARE = 0.12  # biomed/chemistry articles whose preprint has a Crossref DOI (bioRxiv)
OPENALEX_PREPRINT_SPLIT = 0.35  # published works with arXiv: OpenAlex keeps the preprint as its own work
OPENALEX_DUPLICATE = 0.02  # OpenAlex holds a second record (another W id) of the same work
DBLP_CORR_SHARE = 0.60  # CS works with arXiv: DBLP also has the CoRR record
PUBLISHED_WITH_DOI = 0.97  # journal/proceedings records whose venue registers DOIs
PREPRINT_TITLE_CHANGE = 0.12  # preprint title differs slightly from the published one
SENTENCE_CASE = 0.30  # works whose title is written in sentence case
SPECIAL_TERM = 0.08  # titles with a formula / italic species / TeX term
# method, topic and setting phrases of a title carry a specific term ("Brionase Superconductivity")
# this often: a word of vocab.lexicon_word drawn from a Zipf law (P(rank r) ~ 1/r, so ranks are
# log-uniform), which gives titles a large vocabulary with real word frequencies.
KEYWORD_SHARE = 0.55

# hard negatives: chance that a work is followed by a look-alike work (a separate entity)
ERRATUM = 0.012  # "Erratum: <title>" (journal articles)
PART_PAIR = 0.006  # "<title>, Part I" + "<title>, Part II", same authors and venue
SAME_AUTHORS_VENUE_YEAR = 0.012  # another paper by the same authors in the same venue and year
NEAR_TITLE = 0.012  # same or near-same title, other authors and year

# authors
AUTHOR_COUNTS = [(1, 7), (2, 14), (3, 19), (4, 17), (5, 13), (6, 9), (7, 6), (8, 5), (9, 3),
                 (10, 2), (12, 2), (15, 1), (20, 1), (30, 1)]  # (authors, weight)
PERSONS_PER_WORK = 1.1  # size of the person pool relative to the number of works
TEAM_SPAN = 40  # co-authors are drawn near the first author's id, so teams recur
MIDDLE_INITIAL = 0.22  # persons with a middle initial ("Andrew D. White")
HOMONYM_NUMBER = {"common": 0.45, "other": 0.03}  # persons DBLP numbers ("Jian Sun 0001")

YEARS = range(1990, 2026)
OLD_ARCHIVES = {"stat": "cs", "q-bio": "physics"}  # archives younger than the old-style ids
YEAR_GROWTH = 1.07  # works per year grow by 7% a year
ABSTRACTS_PER_FIELD = 2000  # distinct abstracts per field; works share them (not used for linking)


def _table(weighted: list[tuple[object, float]], size: int = 1000) -> list:
    """A lookup table for fast weighted draws: ``table[int(random() * len(table))]``."""
    total = sum(w for _, w in weighted)
    table: list = []
    for value, w in weighted:
        table.extend([value] * round(size * w / total))
    return table


FIELD_NAMES = list(vocab.FIELDS)
KIND_TABLE = _table(KINDS)
JOURNAL_FIELD_TABLE = _table(JOURNAL_FIELDS)
PREPRINT_FIELD_TABLE = _table(PREPRINT_FIELDS)
AUTHOR_COUNT_TABLE = _table(AUTHOR_COUNTS)
YEAR_TABLE = _table([(y, YEAR_GROWTH ** (y - YEARS[0])) for y in YEARS], 4000)
DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

INITIALS = {g: vocab.initials(g) for _, givens, _ in vocab.NAME_CULTURES.values() for g in givens}
CULTURE_TABLE = _table([(c, share) for c, (share, _, _) in vocab.NAME_CULTURES.items()], 100)
VENUES_BY = {}
for _v in vocab.VENUES:
    VENUES_BY.setdefault((_v.field, _v.kind), []).append(_v)


# a person: (pid, given, middle initial or "", family, DBLP homonym number or 0, culture,
#            full name "Given M. Family", abbreviated name "G. M. Family")
Person = tuple


@dataclass(slots=True)
class Work:
    """One true work (an entity) and the records the sources hold of it.

    Titles come in three forms: plain Unicode, TeX as on arXiv (``$\\alpha$``) and markup as in
    Crossref/DBLP (``CO<sub>2</sub>``, XML-escaped); ``pre_*`` are the preprint's.  Dates are
    ``(year, month, day)``; ``pre_date`` is the arXiv v1 / posted-content date."""

    idx: int
    eid: str
    kind: str
    field: str
    venue: vocab.Venue | None
    generic: bool
    title: str
    title_tex: str
    title_markup: str
    pre_title: str
    pre_title_tex: str
    pre_title_markup: str
    authors: tuple[Person, ...]
    date: tuple[int, int, int]
    pre_date: tuple[int, int, int] | None
    volume: str | None
    issue: str | None
    pages: tuple[str, str] | None
    doi: str | None
    pmid: str | None
    arxiv: str | None
    pre_doi: str | None
    versions: int
    abstract: int | None  # index into the abstract pool
    categories: list[str] | None
    records: list[tuple[str, str]] | None = None  # (source, variant): main, preprint, duplicate


class WorkStream:
    """Deterministic stream of the works ``start <= idx < stop`` (one shard) of a corpus of
    ``total`` works, hard negatives included.

    Shards draw from their own random streams, so they can be made in parallel; ids that come
    from counters (arXiv numbers) interleave across shards (``local * shards + shard``) to stay
    unique."""

    def __init__(self, total: int, seed: int, shard: int = 0, shards: int = 1,
                 start: int = 0, stop: int | None = None):
        self.stop = total if stop is None else stop
        self.shard, self.shards = shard, shards
        self.rng = random.Random(f"paperlink-synth/{seed}/works/{shard}")
        self.persons = max(200, int(total * PERSONS_PER_WORK))
        self.arxiv_month_count: dict[tuple[str, int, int], int] = {}
        self.abstracts = abstract_pool(seed)
        self.gold_pairs = 0
        self._idx = start

    def __iter__(self):
        while self._idx < self.stop:
            work = self._new_work()
            look_alike = self._look_alike(work) if self._idx < self.stop and not work.generic else None
            yield work
            if look_alike is not None:
                yield look_alike

    def _look_alike(self, work: Work) -> Work | None:
        """Maybe a hard negative imitating ``work`` (made before ``work`` is rendered: Part I/II
        pairs retitle ``work``)."""
        r = self.rng.random()
        if r < ERRATUM:
            return self._erratum(work) if work.kind in ("journal", "cs_journal") else None
        if r < ERRATUM + PART_PAIR:
            return self._part_two(work)
        if r < ERRATUM + PART_PAIR + SAME_AUTHORS_VENUE_YEAR:
            return self._sibling(work, same_title=False)
        if r < ERRATUM + PART_PAIR + SAME_AUTHORS_VENUE_YEAR + NEAR_TITLE:
            return self._sibling(work, same_title=True)
        return None

    # ----------------------------------------------------------------------------- one work

    def _new_work(self, kind: str | None = None, field: str | None = None, **fixed) -> Work:
        rng, rnd = self.rng, self.rng.random
        idx = self._idx
        self._idx += 1
        kind = kind or KIND_TABLE[int(rnd() * len(KIND_TABLE))]
        if field is None:
            if kind.startswith("cs_"):
                field = "cs"
            elif kind == "preprint":
                field = PREPRINT_FIELD_TABLE[int(rnd() * len(PREPRINT_FIELD_TABLE))]
            else:
                field = JOURNAL_FIELD_TABLE[int(rnd() * len(JOURNAL_FIELD_TABLE))]
        spec = vocab.FIELDS[field]
        generic = kind == "generic"

        venue = fixed.get("venue")
        if venue is None and kind != "preprint":
            venue_kind = "conference" if kind == "cs_conference" else "journal"
            choices = VENUES_BY[(field, venue_kind)]
            venue = choices[int(rnd() * len(choices))]
        year = fixed.get("year") or YEAR_TABLE[int(rnd() * len(YEAR_TABLE))]
        first_year = venue.start if venue is not None else spec.arxiv_start if kind == "preprint" else 0
        if year < first_year:
            year = min(YEARS[-1], first_year + int(rnd() * 5))
        month = 1 + int(rnd() * 12)
        date = (year, month, 1 + int(rnd() * DAYS_IN_MONTH[month - 1]))

        if "title" in fixed:
            title, title_tex, title_markup = fixed["title"]
        elif generic:
            title = title_tex = title_markup = vocab.GENERIC_TITLES[int(rnd() * len(vocab.GENERIC_TITLES))]
        else:
            title, title_tex, title_markup = self._title(spec)
        authors = fixed.get("authors")
        if authors is None:
            authors = self._authors(generic)

        # arXiv: preprint posted 0-14 months before publication
        arxiv = pre_date = categories = None
        preprints = not generic and not fixed.get("no_preprint")  # errata have none
        arxiv_share = JOURNAL_ARXIV_SHARE[field] if kind == "journal" else SOURCE_SHARE[kind]["arxiv"]
        if preprints and rnd() < arxiv_share:
            lag = 0 if kind == "preprint" else 1 + int(rnd() * 14)
            pm = year * 12 + month - 1 - lag
            py, pmonth = divmod(pm, 12)
            pmonth += 1
            if py >= spec.arxiv_start:
                pre_date = (py, pmonth, 1 + int(rnd() * DAYS_IN_MONTH[pmonth - 1]))
                cats = spec.arxiv_categories
                categories = [cats[int(rnd() * len(cats))]]
                if rnd() < 0.4 and (other := cats[int(rnd() * len(cats))]) != categories[0]:
                    categories.append(other)
                arxiv = self._arxiv_id(categories[0], py, pmonth)
        pre_title, pre_title_tex, pre_title_markup = title, title_tex, title_markup
        if arxiv and venue is not None and rnd() < PREPRINT_TITLE_CHANGE:
            pre_title, pre_title_tex, pre_title_markup = _retitle(rng, title, title_tex, title_markup)

        doi = volume = issue = pages = None
        if venue is not None:
            v = year - venue.start + 1
            volume = str(v) if venue.kind == "journal" else None
            issue = str(1 + int(rnd() * 12)) if venue.kind == "journal" and rnd() < 0.8 else None
            first = 1 + int(rnd() * (3000 if venue.kind == "journal" else 12000))
            pages = (str(first), str(first + (0 if generic else 3 + int(rnd() * 20))))
            if venue.doi and rnd() < PUBLISHED_WITH_DOI:
                doi = venue.doi.format(
                    y=year, yy=f"{year % 100:02d}", yyy=f"{year % 1000:03d}", v=v, m=f"{month:02d}",
                    d=idx % 10, n=10000 + idx, k=3000000 + idx * 7919 % 1000000)
        pre_doi = None  # a posted-content preprint (bioRxiv, ChemRxiv) with its own DOI
        if preprints and arxiv is None and venue is not None and field in vocab.PREPRINT_SERVERS \
                and year >= 2014 and rnd() < POSTED_CONTENT_SHARE:
            py, pm = divmod(year * 12 + month - 1 - 1 - int(rnd() * 10), 12)
            pre_date = (py, pm + 1, 1 + int(rnd() * 28))
            pre_doi = vocab.PREPRINT_SERVERS[field][1].format(
                y=py, m=f"{pm + 1:02d}", d=f"{pre_date[2]:02d}", n=500000 + idx)

        pmid = str(10000000 + idx) if field == "biomed" and venue is not None and rnd() < PUBMED_SHARE else None
        abstract = None if generic else \
            FIELD_NAMES.index(field) * ABSTRACTS_PER_FIELD + int(rnd() * ABSTRACTS_PER_FIELD)
        work = Work(
            idx=idx, eid=f"E{idx:08d}", kind=kind, field=field, venue=venue, generic=generic,
            title=title, title_tex=title_tex, title_markup=title_markup, pre_title=pre_title,
            pre_title_tex=pre_title_tex, pre_title_markup=pre_title_markup, authors=authors,
            date=date, pre_date=pre_date, volume=volume, issue=issue, pages=pages, doi=doi, pmid=pmid,
            arxiv=arxiv, pre_doi=pre_doi, versions=1 + int(rnd() * rnd() * 5) if arxiv else 0,
            abstract=abstract, categories=categories,
        )
        work.records = self._records(work)
        self.gold_pairs += len(work.records) * (len(work.records) - 1) // 2
        return work

    def _records(self, work: Work) -> list[tuple[str, str]]:
        """The (source, variant) records held of a work; variants: main, preprint, duplicate."""
        rnd = self.rng.random
        shares = SOURCE_SHARE[work.kind]
        cs = work.field == "cs"
        out = []
        if rnd() < shares["openalex"]:
            out.append(("openalex", "main"))
            if work.arxiv and work.venue is not None and rnd() < OPENALEX_PREPRINT_SPLIT:
                out.append(("openalex", "preprint"))
            if rnd() < OPENALEX_DUPLICATE:
                out.append(("openalex", "duplicate"))
        if work.doi and rnd() < shares["crossref"]:
            out.append(("crossref", "main"))
        if work.pre_doi:
            out.append(("crossref", "preprint"))
        if rnd() < shares["semantic_scholar"]:
            out.append(("semantic_scholar", "main"))
        if work.arxiv:
            out.append(("arxiv", "main"))
            if cs and rnd() < shares["paperswithcode"]:
                out.append(("paperswithcode", "main"))
        if cs and work.venue is not None and work.venue.dblp and rnd() < shares["dblp"]:
            out.append(("dblp", "main"))
        if cs and work.arxiv and (work.venue is None and rnd() < shares["dblp"]
                                  or work.venue is not None and rnd() < DBLP_CORR_SHARE):
            out.append(("dblp", "preprint"))
        if not out:  # every work is somewhere
            out.append(("arxiv", "main") if work.arxiv else ("openalex", "main"))
        return out

    def _title(self, spec: vocab.Field) -> tuple[str, str, str]:
        """A title in its plain, TeX (arXiv) and markup (Crossref/DBLP) forms."""
        rnd = self.rng.random
        if rnd() < SPECIAL_TERM:
            template = spec.term_templates[int(rnd() * len(spec.term_templates))]
            words = _Words(spec, rnd)
            plain, tex, markup = spec.terms[int(rnd() * len(spec.terms))]
            words["S"] = "\x00"
            title = template.format_map(words)
            return (title.replace("\x00", plain), title.replace("\x00", tex),
                    xml_escape(title).replace("\x00", markup))
        title = spec.templates[int(rnd() * len(spec.templates))].format_map(_Words(spec, rnd))
        if rnd() < SENTENCE_CASE:
            title = sentence_case(title)
        return title, title, xml_escape(title)

    def _authors(self, generic: bool = False) -> tuple[Person, ...]:
        """Co-authors drawn near a random first author (so teams recur); 0-2 for generic items."""
        rnd = self.rng.random
        n = int(rnd() * 3) if generic else AUTHOR_COUNT_TABLE[int(rnd() * len(AUTHOR_COUNT_TABLE))]
        if n == 0:
            return ()
        base = int(rnd() * self.persons)
        pids = [base]
        for _ in range(n - 1):
            pid = (base + 1 + int(rnd() * TEAM_SPAN)) % self.persons
            if pid not in pids:
                pids.append(pid)
        return tuple(person(p) for p in pids)

    def _arxiv_id(self, category: str, year: int, month: int) -> str:
        """A new arXiv id of that month: ``YYMM.NNNNN`` (``YYMM.NNNN`` before 2015, old style
        ``archive/YYMMNNN`` before April 2007); a full month spills into the next one."""
        archive = OLD_ARCHIVES.get(category.split(".")[0], category.split(".")[0]) \
            if year * 12 + month < 2007 * 12 + 4 else ""
        while True:
            key = (archive, year, month)
            local = self.arxiv_month_count.get(key)
            if local is None:  # numbering starts at a random point: the corpus samples each month
                local = int(self.rng.random() * (300 if archive else 3000) / self.shards)
            self.arxiv_month_count[key] = local = local + 1
            n = local * self.shards + self.shard
            yymm = f"{year % 100:02d}{month:02d}"
            if archive and n <= 999:
                return f"{archive}/{yymm}{n:03d}"
            if not archive and year < 2015 and n <= 9999:
                return f"{yymm}.{n:04d}"
            if not archive and year >= 2015 and n <= 99999:
                return f"{yymm}.{n:05d}"
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            archive = archive if year * 12 + month < 2007 * 12 + 4 else ""

    # ----------------------------------------------------------------------------- look-alikes

    def _erratum(self, work: Work) -> Work:
        rnd = self.rng.random
        form = vocab.ERRATUM_TITLES[int(rnd() * len(vocab.ERRATUM_TITLES))]
        vol = f"{work.venue.abbrev} {work.volume}, {work.pages[0]} ({work.date[0]})"
        titles = tuple(form.format(t=t, v=vol) for t in (work.title, work.title_tex, work.title_markup))
        year = min(YEARS[-1], work.date[0] + (1 if rnd() < 0.4 else 0))
        return self._new_work(work.kind, work.field, venue=work.venue, year=year, title=titles,
                              authors=work.authors, no_preprint=True)

    def _part_two(self, work: Work) -> Work:
        """Turn ``work`` into Part I (in place) and return Part II: same authors and venue."""
        rnd = self.rng.random
        one, two = vocab.PART_SUFFIXES[int(rnd() * len(vocab.PART_SUFFIXES))]
        base = (work.title, work.title_tex, work.title_markup)
        work.title, work.title_tex, work.title_markup = (t + one for t in base)
        work.pre_title, work.pre_title_tex, work.pre_title_markup = (t + one for t in base)
        year = min(YEARS[-1], work.date[0] + (1 if rnd() < 0.3 else 0))
        return self._new_work(work.kind, work.field, venue=work.venue, year=year,
                              title=tuple(t + two for t in base), authors=work.authors)

    def _sibling(self, work: Work, same_title: bool) -> Work:
        """Same authors, venue and year with a new title, or a (near-)same title by others."""
        rnd = self.rng.random
        if not same_title:
            authors = list(work.authors)
            if len(authors) > 2 and rnd() < 0.5:
                authors[1], authors[2] = authors[2], authors[1]
            return self._new_work(work.kind, work.field, venue=work.venue, year=work.date[0],
                                  authors=tuple(authors))
        form = vocab.NEAR_TITLE_FORMS[int(rnd() * len(vocab.NEAR_TITLE_FORMS))]
        titles = tuple(form.format(t=t) for t in (work.title, work.title_tex, work.title_markup))
        year = min(YEARS[-1], work.date[0] + int(rnd() * 6))
        return self._new_work(work.kind, work.field, venue=work.venue if rnd() < 0.5 else None,
                              year=year, title=titles)


class _Words(dict):
    """Template slots filled on first use: A adjective, M method, T/T2 topics, D setting,
    P property, N system name; M, T, T2 and D sometimes with a specific term before them."""

    def __init__(self, spec: vocab.Field, rnd):
        super().__init__()
        self.spec, self.rnd = spec, rnd

    def __missing__(self, slot: str) -> str:
        rnd, spec = self.rnd, self.spec
        if slot == "N":
            word = vocab.NAME_PREFIXES[int(rnd() * len(vocab.NAME_PREFIXES))] + \
                vocab.NAME_SUFFIXES[int(rnd() * len(vocab.NAME_SUFFIXES))]
        else:
            seq = {"A": vocab.ADJECTIVES, "M": spec.methods, "T": spec.topics, "T2": spec.topics,
                   "D": spec.settings, "P": vocab.PROPERTIES}[slot]
            word = seq[int(rnd() * len(seq))]
            if slot in ("M", "T", "T2", "D") and rnd() < KEYWORD_SHARE:
                word = vocab.lexicon_word(int(vocab.LEXICON_SIZE ** rnd()) - 1) + " " + word
        self[slot] = word
        return word


# --------------------------------------------------------------------------------------- persons


def person(pid: int) -> Person:
    """The person with id ``pid``: a deterministic hash picks culture, names and initials."""
    h = (pid * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    culture = CULTURE_TABLE[h % len(CULTURE_TABLE)]
    _, givens, families = vocab.NAME_CULTURES[culture]
    given = givens[(h >> 7) % len(givens)]
    family = families[(h >> 13) % len(families)]
    east_asian = culture in vocab.EAST_ASIAN
    middle = chr(65 + (h >> 3) % 26) if not east_asian and (h >> 24) % 100 < MIDDLE_INITIAL * 100 else ""
    share = HOMONYM_NUMBER["common" if culture in vocab.HOMONYM_CULTURES else "other"]
    number = 1 + (h >> 20) % 60 if (h >> 10) % 100 < share * 100 else 0
    if middle:
        full, short = f"{given} {middle}. {family}", f"{INITIALS[given]} {middle}. {family}"
    else:
        full, short = f"{given} {family}", f"{INITIALS[given]} {family}"
    return (pid, given, middle, family, number, culture, full, short)


# --------------------------------------------------------------------------------------- text


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence_case(title: str) -> str:
    """Lower-case the capitalised words after the first, keeping acronyms, TeX and markup."""
    words = title.split(" ")
    for i in range(1, len(words)):
        w = words[i]
        if len(w) > 1 and w[0].isupper() and w[1:].islower() and w.isalpha():
            words[i] = w.lower()
    return " ".join(words)


def _retitle(rng: random.Random, *forms: str) -> tuple[str, ...]:
    """The preprint's title: a small edit of the published title (all forms alike)."""
    plain = forms[0]
    r = rng.random()
    if r < 0.3 and ": " in plain:  # published title dropped the system name ("ChemCrow: ...")
        return tuple(f.split(": ", 1)[1] for f in forms)
    if r < 0.55:  # preprint carried a system name
        name = rng.choice(vocab.NAME_PREFIXES) + rng.choice(vocab.NAME_SUFFIXES)
        return tuple(f"{name}: {f}" for f in forms)
    if r < 0.8:  # one word differs
        words = plain.split(" ")
        for i, w in enumerate(words):
            if w in vocab.ADJECTIVES or w.lower() in ("a", "the", "for", "with", "in", "of"):
                other = {"for": "in", "in": "for", "with": "using", "of": "for"}.get(w.lower(), "New")
                return tuple(" ".join(f.split(" ")[:i] + [other] + f.split(" ")[i + 1:]) for f in forms)
        return tuple(f + " (Extended Abstract)" for f in forms)
    return tuple(f.replace(" for ", " for Improved ", 1) for f in forms)


@functools.lru_cache(maxsize=2)
def abstract_pool(seed: int) -> list[str]:
    """Abstract texts, ``ABSTRACTS_PER_FIELD`` per field in ``FIELD_NAMES`` order: an opening
    naming the topic, then 2-5 generic sentences."""
    rng = random.Random(f"paperlink-synth/{seed}/abstracts")
    pool = []
    for i in range(ABSTRACTS_PER_FIELD * len(FIELD_NAMES)):
        spec = vocab.FIELDS[FIELD_NAMES[i // ABSTRACTS_PER_FIELD]]
        words = dict(
            t=rng.choice(spec.topics).lower(), m=rng.choice(spec.methods), m2=rng.choice(spec.methods),
            d=rng.choice(spec.settings), a=rng.choice(vocab.ADJECTIVES).lower(),
            p=rng.choice(vocab.PROPERTIES).lower(),
        )
        words["T"] = words["t"][:1].upper() + words["t"][1:]
        sentences = [rng.choice(vocab.ABSTRACT_OPENINGS)] + rng.sample(vocab.ABSTRACT_BODIES, rng.randint(2, 5))
        pool.append(" ".join(s.format(**words) for s in sentences))
    return pool


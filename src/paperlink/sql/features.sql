-- Bibliographic normal forms, written once and applied to whole tables (see model/features.py).
-- pl_fix_text(s) is a Python UDF (ftfy) registered by paperlink.db: it repairs mojibake such as
-- "SjÃ¶strÃ¶m"; it is only called on strings that look broken.

CREATE OR REPLACE MACRO pl_repair(s) AS CASE
    WHEN strlen(s) = length(s) THEN s  -- plain ASCII: nothing to repair (and no regex to run)
    WHEN regexp_matches(s, '[ÃÂâÅÄ][\x{80}-\x{BF}€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|Ã.|â€') THEN pl_fix_text(s) ELSE s END;

-- LaTeX commands reduced to text: \command{arg} keeps its content, \alpha becomes alpha, other
-- escapes lose their backslash (only strings with a backslash are touched; $...$, braces, ^ _ ~
-- are punctuation, which pl_text_norm's last step turns into spaces).
CREATE OR REPLACE MACRO pl_delatex(s) AS CASE WHEN NOT contains(s, '\') THEN s ELSE regexp_replace(regexp_replace(
    regexp_replace(s, '\\(emph|textit|textbf|textrm|textsc|texttt|mathrm|mathbf|mathit|mathcal|mathbb|text|url|mbox|bf|it|em)\s*\{', '{', 'g'),
    '\\([a-zA-Z]+)', ' \1 ', 'g'),
    '\\.', '', 'g') END;

-- Accent-free, lower-case, markup-free text with hyphens and all other punctuation turned into
-- single spaces (pl_compact then makes "half-inversion", "half inversion", "halfinversion" meet).
-- ([:alnum:] is ASCII: letters left non-ASCII after strip_accents are separators too.)
-- Letters that strip_accents leaves as they are, spelt in ASCII ("Łukasiewicz", "Yıldız",
-- "Sørensen", "Straße"), PDF ligatures undone ("ﬁnding eﬃcient"), and invisible soft hyphens
-- and zero-width characters removed, so none of them splits a word.
CREATE OR REPLACE MACRO pl_fold_letters(s) AS list_transform([s], lambda v: CASE WHEN strlen(v) = length(v) THEN v ELSE
    regexp_replace(translate(
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(v,
            'ß', 'ss'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'þ', 'th'), 'Þ', 'Th'),
            'ﬀ', 'ff'), 'ﬁ', 'fi'), 'ﬂ', 'fl'), 'ﬃ', 'ffi'), 'ﬄ', 'ffl'), 'ﬆ', 'st'),
        'łŁøØđĐðÐıħĦŧŦ', 'lLoOdDdDihHtT'),
    '[\x{00AD}\x{200B}-\x{200D}\x{2060}\x{FEFF}]', '', 'g') END)[1];

CREATE OR REPLACE MACRO pl_text_norm(s) AS nullif(trim(regexp_replace(
    lower(strip_accents(pl_fold_letters(nfc_normalize(pl_delatex(pl_strip_markup(pl_repair(s))))))),
    '[^[:alnum:]]+', ' ', 'g')), '');

-- Notes on the kind of item that one catalogue adds to a title and another does not.
CREATE OR REPLACE MACRO pl_item_kind_pattern() AS
    '(extended abstract|abstract|panel abstract|panel|panel session|demonstration description|demonstration|demo abstract|demo|poster|invited talk|keynote|book review|tutorial)';

-- The author's surname (and year) a citation parser left in front of a title: "Fahlman (1988):
-- Faster-Learning ...", 'Utgoff "Shift of Bias ..."' (not 'Erratum "..."' or 'Comments on "..."').
CREATE OR REPLACE MACRO pl_title_author_slip(s) AS list_transform(
    [regexp_replace(s, '^\s*[A-Z][\w''-]+(\s+(and|&)\s+[A-Z][\w''-]+)?,?\s+\((1[89]|20)\d\d[a-z]?\)[.,:;]?\s+(["A-Z])', '\4')],
    lambda v: CASE WHEN regexp_matches(v, '^\s*(?i:errat\w*|corrigend\w*|correction\w*|retract\w*|repl\w*|rejoinder|addend\w*|comment\w*|response|review\w*|re)\b') THEN v
        ELSE regexp_replace(v, '^\s*([A-Z][a-z''-]{2,})\s*,?\s*"(([^"\s]+\s+){2,}[^"\s][^"]*)"\s*[.,]?\s*$', '\2') END)[1];

-- Title normal form: web-scraped "[PDF]" / "[HTML]" / "[CITATION]" tags, a citation's leading
-- "(1991)", its trailing ". In Proc. ..." and a report number after it ("(CMU-CS-88-162)",
-- ", Technical Report CMU-CS-88-162") dropped, and so is a note on the kind of item, at
-- the end after " - " or ":" or anywhere in brackets ("... - Book Review", "(Panel Abstract)",
-- "DEVise (demo abstract): ...").  So does a surname left in front of it (pl_title_author_slip).
-- The "compact" form also ignores spaces ("half inversion" = "halfinversion").
CREATE OR REPLACE MACRO pl_title_norm(s) AS pl_text_norm(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    pl_title_author_slip(regexp_replace(s, '^\s*(\[[A-Z]{1,10}\]\s*)+', '')),
    '\s*(\(\s*[A-Z]{2,}[A-Z-]*-\d+-\d+\s*\)|[,.(]\s*(Technical Report|Tech\.? Rep(ort|\.)?)\s+[\w-]*\d.*|[,.(]\s*TR[\s-]+[\w-]*\d[\w-]*\)?)\s*[.,]?\s*$', ''),
    '^\s*\(?(1[89]|20)\d\d[a-z]?\)[.,:;]?\s+(\S)', '\2'),
    '([^.\s]{3,}[.,])\s+In\s+(Proc\.|Proceedings|[A-Z]\.).*$', '\1'),
    '(\S)\s*((\s-+|:)\s*' || pl_item_kind_pattern() || '\s*\.?\s*$|[(\[]\s*' || pl_item_kind_pattern() || '\s*[)\]]\s*\.?)',
    '\1 ', 'gi'));
CREATE OR REPLACE MACRO pl_compact(s) AS nullif(replace(s, ' ', ''), '');

-- What tells apart different works sharing a title: part/volume numbers ("part 2", "vol ii",
-- a trailing Roman numeral) and erratum, correction, retraction or reply words.
CREATE OR REPLACE MACRO pl_title_markers(t) AS list_sort(list_distinct(list_concat(
    regexp_extract_all(t, '\b(?:part|vol|volume|chapter|section|no)\s+(?:\d{1,3}|[ivx]{1,5}|one|two|three)\b'),
    regexp_extract_all(t, '\b(?:ii|iii|iv|vi|vii|viii|ix|xi|xii)$'),
    regexp_extract_all(t, '\b(?:erratum|errata|corrigendum|correction|corrections|retraction|retracted|reply|rejoinder|addendum)\b'))));

-- A name without homonym numbers and suffixes ("Jian Sun 0001", "Smith Jr."); a letter an export
-- could not encode, written "?" or "�" before a letter ("Sj?str?m"), is left out rather than
-- splitting the name ("sjstrm", not "sj str m").
CREATE OR REPLACE MACRO pl_name_core(name) AS
    regexp_replace(trim(CASE WHEN contains(name, '?') OR contains(name, '�')
        THEN regexp_replace(pl_repair(name), '[?�]+(\pL)', '\1', 'g')
        ELSE pl_repair(name) END),
        '\s+(\d{4}|jr\.?|sr\.?|ii|iii|iv|et al\.?)$', '', 'i');

-- Author surname from one name in any of "Family, Given" / "Given Family" / "G. Family" /
-- "Family G. E." forms, normalised like titles: the last word of the family name, so that
-- "Van den Bussche, J." and "Jan Van den Bussche" (or "de la Cruz, M" and "M. de la Cruz") agree.
CREATE OR REPLACE MACRO pl_surname_of_core(v) AS nullif(replace(pl_text_norm(regexp_extract(CASE
    WHEN v LIKE '%,%' THEN split_part(v, ',', 1)
    ELSE regexp_replace(v, '(\S)\s+([A-Z]\.?\s*-?)+$', '\1')  -- "Family G. E."
END, '(\S+)\s*$', 1)), ' ', ''), '');

-- How many values of list `a` are in list `b`; for lists of distinct values, as the features'
-- lists are, the size of their intersection.  (list_intersect builds a hash set per pair: three
-- times the cost at millions of pairs; list_distinct on every pair would cost five times more.)
CREATE OR REPLACE MACRO pl_shared_count(a, b) AS
    len(list_filter(a, lambda x: list_contains(b, x)));

-- Share of the shorter list found in the other (robust to truncated author lists).
CREATE OR REPLACE MACRO pl_overlap(a, b) AS
    pl_shared_count(a, b) / nullif(least(len(a), len(b)), 0);

-- Jaccard similarity of two lists of distinct values (abstract word hashes).
CREATE OR REPLACE MACRO pl_jaccard(a, b) AS
    pl_shared_count(a, b) / nullif(len(a) + len(b) - pl_shared_count(a, b), 0);

-- IDF-weighted Jaccard of two titles: rare shared words count more.  `shared` is the summed
-- weight of the tokens both have, `sl`/`sr` each side's total weight.
CREATE OR REPLACE MACRO pl_shared_weight(tl, wl, tr) AS
    coalesce(list_sum(list_transform(tl, lambda t, i: CASE WHEN list_contains(tr, t) THEN wl[i] ELSE 0 END)), 0);
CREATE OR REPLACE MACRO pl_weighted_jaccard(tl, wl, sl, tr, sr) AS
    pl_shared_weight(tl, wl, tr) / nullif(sl + sr - pl_shared_weight(tl, wl, tr), 0);

-- Preprint servers and repositories are not venues: a preprint's "venue" carries no signal.
CREATE OR REPLACE MACRO pl_venue_norm(v) AS CASE
    WHEN regexp_matches(lower(coalesce(v, '')), '(arxiv|biorxiv|medrxiv|chemrxiv|ssrn|research square|preprints|corr\b|^corr$|zenodo|figshare|osf)')
        THEN NULL
    ELSE pl_text_norm(v) END;

-- The year a venue names ("Proceedings of the 2006 ACM SIGMOD ...", "VLDB 2000"), for records
-- that give no year of their own; not from series volumes ("LNCS 2001", "Vol. 1999").
CREATE OR REPLACE MACRO pl_venue_year(v) AS CASE WHEN NOT regexp_matches(coalesce(v, ''), '(?i)\b(vol|volume|lncs|lecture notes|no)\b')
    THEN TRY_CAST(nullif(regexp_extract(v, '\b(19[5-9]\d|20[0-4]\d)\b', 1), '') AS INTEGER) END;

-- DOIs of preprint servers: a preprint and its published version legitimately have different DOIs.
CREATE OR REPLACE MACRO pl_is_preprint_doi(d) AS regexp_matches(coalesce(d, ''),
    '^10\.(1101|26434|2139|21203|20944|31219|31234|31235|36227|22541|32942|48550|5281|6084)/');

-- Words of a normalised venue (pl_venue_norm) without generic ones, plus the acronym of the
-- remaining words, so that "VLDB" and "Very Large Data Bases", "SIGMOD Record" and "ACM SIGMOD
-- Record" share a key.
CREATE OR REPLACE MACRO pl_venue_words(vn) AS list_filter(string_split(vn, ' '), lambda t:
    len(t) > 1 AND NOT regexp_matches(t, '^(\d+|acm|ieee|international|intl|conference|conf|proceedings|proc|on|of|the|and|for|in|journal|j|transactions|trans|annual|symposium|workshop|edition|th|st|nd|rd|vol|volume)$'));
CREATE OR REPLACE MACRO pl_venue_keys(vn) AS nullif(list_distinct(list_append(pl_venue_words(vn),
    CASE WHEN len(pl_venue_words(vn)) > 1 THEN array_to_string(list_transform(pl_venue_words(vn), lambda t: left(t, 1)), '') END)), []);

-- Function words that never make a title blocking key.
CREATE OR REPLACE MACRO pl_is_stopword(t) AS t IN ('a', 'an', 'the', 'of', 'on', 'in', 'for', 'and', 'or', 'to',
    'with', 'by', 'from', 'at', 'as', 'is', 'are', 'be', 'via', 'its', 'their', 'using', 'towards', 'toward',
    'into', 'over', 'under', 'between', 'through', 'do', 'does', 'can', 'we', 'how', 'what', 'why', 'when', 'all',
    'not', 'no', 'it', 'this', 'that', 'de', 'la', 'le', 'der', 'die', 'und', 'en', 'et', 'el', 'y');

-- A citation's first page: the start of a page range ("pp. 524-532", "2, pp. 524-532",
-- "601-6", "e1002-e1010" -> 524, 524, 601, 1002) or a lone page ("p. 45"); NULL for anything
-- else ("12 pages", "", text).  Versions of a work (a technical report and its conference
-- paper, a conference paper and its journal extension) differ here when all else agrees.
CREATE OR REPLACE MACRO pl_first_page(p) AS TRY_CAST(nullif(coalesce(
    nullif(regexp_extract(p, '(?:^|[^0-9])[a-zA-Z]?0*(\d{1,7})\s*(?:-+|–|—|to)\s*[a-zA-Z]?\d', 1), ''),
    regexp_extract(p, '^\s*(?:pp?\.?|pages?)?\s*[a-zA-Z]?0*(\d{1,7})\s*[.,;)]?\s*$', 1)), '') AS INTEGER);

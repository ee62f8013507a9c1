-- Identifier and text clean-up shared by every source (DuckDB macros, applied to whole tables).

-- HTML/XML entities decoded (&amp; &#237; &eacute; ...) by the pl_html_unescape UDF, only where present.
CREATE OR REPLACE MACRO pl_unescape(s) AS CASE WHEN regexp_matches(s, '&#?[a-zA-Z0-9]+;') THEN pl_html_unescape(s) ELSE s END;

-- Text with JATS/HTML markup and entities removed, whitespace collapsed (the regexes only run
-- on text that has markup, entities or runs of whitespace).
CREATE OR REPLACE MACRO pl_strip_markup(s) AS nullif(CASE
    WHEN NOT regexp_matches(s, '[<&]|\s\s|[\t\n\r]') THEN trim(s)
    ELSE trim(regexp_replace(pl_unescape(
        regexp_replace(
            regexp_replace(
                regexp_replace(s, '<(jats:)?title>\s*abstract\s*</(jats:)?title>', ' ', 'gi'),
                '</?(i|b|em|strong|sub|sup|scp|u|sc|jats:italic|jats:bold|jats:sub|jats:sup|jats:sc|mml:[a-z]+)(\s[^>]*)?>', '', 'gi'),
            '<[^>]{1,200}>', ' ', 'g')),
        '\s+', ' ', 'g')) END, '');

-- Bare lower-case DOI (10.xxxx/...) from any DOI-bearing string: URLs, doi: prefixes, URL-encoding.
CREATE OR REPLACE MACRO pl_doi(s) AS nullif(regexp_replace(
    regexp_extract(lower(url_decode(trim(CAST(s AS VARCHAR)))), '(10\.\d{4,9}/[^\s"<>]+)', 1),
    '[.,;]+$', ''), '');

-- arXiv id without version: new style 2203.10131, old style astro-ph/0601001 (case of the subject class kept).
CREATE OR REPLACE MACRO pl_arxiv_norm(s) AS coalesce(
    nullif(regexp_extract(CAST(s AS VARCHAR), '(?:^|[^0-9.])(\d{4}\.\d{4,5})(?:v\d+)?(?:$|[^0-9])', 1), ''),
    nullif(regexp_extract(CAST(s AS VARCHAR), '(?:^|[^a-z])([a-z][a-z\-]*(?:\.[a-z]{2})?/\d{7})(?:v\d+)?', 1, 'i'), ''));

-- arXiv id from strings that are known to carry one: abs/pdf URLs, OAI ids, arXiv DataCite DOIs
-- (each pattern has "arxiv" in it: the first test spares the others on most strings).
CREATE OR REPLACE MACRO pl_arxiv_from_text(s) AS CASE
    WHEN NOT regexp_matches(s, 'arxiv', 'i') THEN NULL
    WHEN regexp_matches(s, 'arxiv\.org/(abs|pdf|format)/', 'i')
        THEN pl_arxiv_norm(regexp_extract(s, 'arxiv\.org/(?:abs|pdf|format)/([^?#]+)', 1, 'i'))
    WHEN regexp_matches(s, 'oai:arxiv\.org:', 'i')
        THEN pl_arxiv_norm(regexp_extract(s, 'oai:arxiv\.org:(.+)$', 1, 'i'))
    WHEN regexp_matches(s, '10\.48550/arxiv\.', 'i')
        THEN pl_arxiv_norm(regexp_extract(url_decode(s), '10\.48550/arxiv\.(.+)$', 1, 'i'))
    WHEN regexp_matches(s, '^\s*arxiv:', 'i')
        THEN pl_arxiv_norm(regexp_extract(s, 'arxiv:\s*(.+)$', 1, 'i'))
    END;

-- True for DOIs that are arXiv's DataCite DOIs (an arXiv id, not a publisher DOI).
CREATE OR REPLACE MACRO pl_is_arxiv_doi(d) AS coalesce(starts_with(d, '10.48550/arxiv.'), false);

-- pl_strip_markup on each non-empty string of a list.  A regex inside a lambda is compiled again for
-- every vector, so the full clean-up runs only on the lists that have markup, entities or runs of whitespace.
CREATE OR REPLACE MACRO pl_strip_markup_list(x) AS CASE
    WHEN list_bool_or(list_transform(x, lambda v: regexp_matches(v, '[<&]|\s\s|[\t\n\r]')))
        THEN list_transform(pl_list(x), lambda v: pl_strip_markup(v))
    ELSE list_transform(pl_list(x), lambda v: nullif(trim(v), '')) END;

-- PubMed id: the digits of a bare id or a pubmed URL.
CREATE OR REPLACE MACRO pl_pmid(s) AS nullif(regexp_extract(CAST(s AS VARCHAR), '(?:^|/|:)\s*(\d{1,9})/?\s*$', 1), '');

-- Year from a date-like string (first 4-digit run that looks like a year).
CREATE OR REPLACE MACRO pl_year(s) AS TRY_CAST(nullif(regexp_extract(CAST(s AS VARCHAR), '(1[5-9]\d\d|20\d\d)', 1), '') AS INTEGER);

-- The non-empty strings of a list.
CREATE OR REPLACE MACRO pl_list(x) AS list_filter(x, lambda v: v IS NOT NULL AND trim(v) <> '');

-- Author names from one delimited string: split on ';', ' and ', '&' and on commas between
-- names ("A. Smith, B. Jones", "Aha, D., Kibler, D."), but not inside one inverted name ("Smith, A.").
-- A search-result byline's tail after the names is dropped ("A Halevy, J Ordille - Proceedings
-- of the 32nd …, 2006 - dl.acm.org"): a dash between spaces never sits inside a name.
CREATE OR REPLACE MACRO pl_split_author_piece(p) AS CASE
    WHEN regexp_matches(trim(p), '^[^,]+,\s*([A-Z]\.?\s*-?)+$')
         AND NOT regexp_matches(trim(p), '^[^,]*\S\s+[A-Z]{1,2}\.?\s*,') THEN [p]  -- (not "SMITH A, JONES B")
    ELSE string_split(p, ',') END;
CREATE OR REPLACE MACRO pl_split_authors(raw) AS list_filter(list_transform(
    flatten(list_transform(
        regexp_split_to_array(regexp_replace(regexp_replace(pl_unescape(raw), '\s[-–—]\s.*$', ''),
                                                 '(\b[A-Z]\.)\s*,\s+(\S)', '\1;\2', 'g'),
                              '\s*(;|&|\sand\s)\s*', 'i'),
        lambda p: pl_split_author_piece(p))),
    lambda a: nullif(trim(regexp_replace(a, '^\s*(and|&)\s+', '', 'i'), ' ,.;&'), '')), lambda a: a IS NOT NULL);

-- OpenAlex abstract_inverted_index {word: [positions]} back to text: each position p of the i-th word is
-- coded as p * 2^24 + i, so sorting plain integers orders the words (positions that are not
-- non-negative integers are dropped).
CREATE OR REPLACE MACRO pl_abstract_from_inverted_index(ii) AS nullif(array_to_string(list_select(json_keys(ii),
    list_transform(list_sort(flatten(list_transform(json_transform(json_extract(ii, '$.*'), '[["BIGINT"]]'),
        lambda ps, i: list_transform(list_filter(ps, lambda p: p BETWEEN 0 AND 274877906943),
                                     lambda p: p * 16777216 + i)))),
        lambda x: x % 16777216)), ' '), '');

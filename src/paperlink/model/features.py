"""The comparison table: one row of bibliographic features per canonical record (DuckDB SQL).

Token weights are corpus IDF, so a shared rare word ("halfinversion") counts more than a
shared common one ("learning").  Blocking keys are derived here too: ``title_keys`` holds the
pairs among each title's four rarest words (stopwords aside; a one-word title keys on its word),
so two records meet when they share two rare title words whatever the word order, truncation
or typos elsewhere.  A key of more than ``TITLE_KEY_SPLIT_BLOCK`` records with more than
``TITLE_KEY_SPLIT_AUTHORS`` distinct first-author surnames is a block of different works
("bilayer graphene" in a large corpus): it is split by first author ("bilayer graphene @wang",
the surname's first four letters), so only records with the same first author meet through it;
a record without authors leaves such a key.
A key shared by many records of a few first authors (one paper cited 300 times, as in Cora)
stays whole: its pairs are mostly matches.  A (split) key is dropped when its block still holds
more than ``MAX_TITLE_KEY_BLOCK`` records or ``MAX_TITLE_KEY_AUTHORS`` first-author surnames.
A split key whose block still holds more than ``TITLE_KEY_SPLIT_BLOCK`` records (two rare words
and a common surname: many works in a large corpus) is split again into three-year windows
("bilayer graphene @wang ~2020" holds 2019-2021; a record is in the one or two windows around
its year, so records one year apart always meet); a record without a year is in every window
of its key.  Without this second split, candidate pairs per record grow with the corpus
(12 at 1M records, 59 at 10M).

Rules on plain columns are capped in the settings instead, on block-size columns:
``title_freq`` (records with the same compact title), ``title_first_authors`` (their distinct
first-author surnames) and ``author_year_freq`` (records with the
same first-author surname and year: "Wang 2020" is a block of thousands in a large corpus).
``title_words`` (a title's distinct words, stopwords aside) lets the first-author rule ask for
one shared title word.  ``author_name_words`` (every word of every author name, initials aside)
lets authors match whose surname was taken from another part of the name: "Wang Wei" for
"Wei Wang", "Rafael Camps Paré" for "Rafael Camps".  ``abstract_tokens`` holds the distinct
words of an abstract's first 2,000 characters as 63-bit hashes (intersecting integers costs a
third less than strings at millions of pairs; charts show the hashes).  ``venue_norm`` maps a
venue name to one name for all its aliases in the corpus (learnt from records of the same work).
"""

from __future__ import annotations

import duckdb

RARE_TOKENS_PER_TITLE = 4
TITLE_KEY_SPLIT_AUTHORS = 5
TITLE_KEY_SPLIT_BLOCK = 25
MAX_TITLE_KEY_BLOCK = 500
MAX_TITLE_KEY_AUTHORS = 20
VENUE_ALIAS_MAX_GROUP = 5  # records sharing a title and first author that count as one work
VENUE_ALIAS_MIN_PAIRS = 3  # such pairs two venue names need to be aliases


def build_features(con: duckdb.DuckDBPyConnection, source: str = "records", target: str = "features") -> int:
    """Create ``target`` from canonical records in ``source``; returns its row count.

    Built in steps, each a temporary table, so that a large corpus under a small memory limit
    spills step by step instead of holding one query's every intermediate at once."""
    n_records = max(con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0], 1)
    steps = {
        "_pl_f_base": f"""
            SELECT *, pl_compact(title_norm) AS title_compact,
                list_filter(pl_venue_keys(venue_norm), lambda k: k IS NOT NULL) AS venue_keys
            FROM (SELECT record_id AS unique_id, source AS source_dataset,
                pl_title_norm(title) AS title_norm,
                coalesce(year, pl_venue_year(venue)) AS year, pl_venue_norm(venue) AS venue_norm, pl_first_page(pages) AS first_page, doi, arxiv_id, pmid,
                (coalesce(work_type, '') IN ('preprint', 'posted-content', 'posted_content')
                    OR pl_is_preprint_doi(doi) OR (doi IS NULL AND arxiv_id IS NOT NULL)) AS is_preprint,
                -- an abstract's distinct words as 63-bit hashes: pairs intersect integers, not strings
                list_distinct(list_transform(list_filter(string_split(left(pl_text_norm(abstract), 2000), ' '),
                                                         lambda t: t <> ''), lambda t: (hash(t) >> 1)::BIGINT)) AS abstract_tokens
            FROM {source})""",
        # Author names one per row rather than in list lambdas (the same values, several times
        # faster in DuckDB): usable names in list order, their surnames and name words.
        "_pl_f_authors": f"""
            WITH names AS (
                SELECT unique_id, pos, core, pl_surname_of_core(core) AS surname FROM (
                    SELECT s.record_id AS unique_id, u.pos, pl_name_core(u.a) AS core
                    FROM {source} s, unnest(s.authors) WITH ORDINALITY AS u(a, pos))
                WHERE core <> '' AND NOT regexp_matches(core, '^([?]+|-+|n/?a|none|null|unknown|anonymous|et al[.]?|others|and others|etc[.]?|[.…]+)$', 'i')
                    AND NOT regexp_matches(core, '^([A-Z][.]?[ -]*){{1,3}}$')  -- initials alone ("Utgoff; P"): no surname
            )
            SELECT unique_id, list_transform(list_sort(list({{'pos': pos, 'surname': surname}})), lambda x: x.surname) AS surnames,
                list_distinct(flatten(list(list_filter(string_split(pl_text_norm(core), ' '), lambda t: len(t) > 1)))) AS name_words
            FROM names GROUP BY unique_id""",
        # (lists sorted per record, not ORDER BY in the aggregates: those sort all rows at once,
        # which at 10 M records cost 18x what they cost at 1 M)
        "_pl_f_weighted": f"""
            WITH tokens AS (
                SELECT unique_id, unnest(list_distinct(string_split(title_norm, ' '))) AS token FROM _pl_f_base
            ),
            df AS (SELECT token, count(*) AS df FROM tokens GROUP BY token),
            weighted AS (
                SELECT t.unique_id, list_sort(list({{'token': t.token, 'weight': ln(1 + {n_records} / df.df), 'df': df.df}})) AS toks
                FROM tokens t JOIN df USING (token) GROUP BY t.unique_id
            )
            SELECT unique_id,
                list_transform(toks, lambda x: x.token) AS title_tokens,
                list_transform(toks, lambda x: x.weight) AS title_weights,
                list_sum(list_transform(toks, lambda x: x.weight)) AS title_wsum,  -- (summed in token order: the same bits every run)
                list_transform(list_filter(toks, lambda x: NOT pl_is_stopword(x.token)), lambda x: x.token) AS words,
                list_transform(list_sort(list_transform(list_filter(toks, lambda x: NOT pl_is_stopword(x.token)),
                                                        lambda x: {{'df': x.df, 'token': x.token}})), lambda x: x.token)[1:{RARE_TOKENS_PER_TITLE}] AS rare
            FROM weighted""",
        # every title key of every record, with the record's first-author surname
        "_pl_f_keyed": """
            SELECT k.unique_id, k.key, a.surnames[1] AS first_surname FROM (
                SELECT unique_id, unnest(list_distinct(list_append(flatten(list_transform(rare, lambda a, i:
                           list_transform(rare[i + 1:], lambda c: least(a, c) || ' ' || greatest(a, c)))),
                           CASE WHEN len(rare) = 1 THEN rare[1] END))) AS key
                FROM _pl_f_weighted) k
            LEFT JOIN _pl_f_authors a USING (unique_id)""",
        # keys of many different works split by first author (NULL: no first author to split by)
        "_pl_f_author_keyed": f"""
            WITH split AS (
                SELECT key FROM _pl_f_keyed GROUP BY key
                HAVING count(*) > {MAX_TITLE_KEY_BLOCK}
                    OR (count(*) > {TITLE_KEY_SPLIT_BLOCK} AND count(DISTINCT first_surname) > {TITLE_KEY_SPLIT_AUTHORS})
            )
            SELECT k.unique_id, k.first_surname, s.key IS NOT NULL AS split,
                CASE WHEN s.key IS NULL THEN k.key ELSE k.key || ' @' || left(k.first_surname, 4) END AS key
            FROM _pl_f_keyed k LEFT JOIN split s USING (key)""",
        # the keys kept; a split key whose block is still crowded is windowed by year
        "_pl_f_kept_keys": f"""
            SELECT key, bool_or(split) AND count(*) > {TITLE_KEY_SPLIT_BLOCK} AS windowed
            FROM _pl_f_author_keyed WHERE key IS NOT NULL GROUP BY key
            HAVING count(*) <= {MAX_TITLE_KEY_BLOCK} AND count(DISTINCT first_surname) <= {MAX_TITLE_KEY_AUTHORS}""",
        "_pl_f_title_keys": """
            WITH keyed AS (
                SELECT k.unique_id, k.key, w.windowed, b.year,
                    list_distinct([b.year // 2 * 2, (b.year + 1) // 2 * 2]) AS windows  -- centres: 2020 holds 2019-2021
                FROM _pl_f_author_keyed k JOIN _pl_f_kept_keys w USING (key) JOIN _pl_f_base b USING (unique_id)
            ),
            key_windows AS (  -- the windows of a key's dated records: a record without a year is in them all
                SELECT key, list_distinct(flatten(list(windows))) AS windows FROM keyed
                WHERE windowed AND year IS NOT NULL GROUP BY key
            )
            SELECT unique_id, list_sort(list(key)) AS title_keys FROM (
                SELECT k.unique_id, unnest(CASE WHEN kw.windows IS NULL THEN [k.key]  -- (not windowed, or no record has a year)
                    ELSE list_transform(CASE WHEN k.year IS NULL THEN kw.windows ELSE k.windows END, lambda w: k.key || ' ~' || w) END) AS key
                FROM keyed k LEFT JOIN key_windows kw USING (key)
            ) GROUP BY unique_id""",
        # Venue names that mean the same venue in different sources ("SIGMOD Conference" and
        # "International Conference on Management of Data"), learnt without labels: records with
        # the same rare, long title and first author are almost surely one work, and two names
        # are aliases when each is the other's partner in most such pairs (at least 3).  Each
        # name maps to the least of itself and its aliases.
        "_pl_f_venue_alias": f"""
            WITH t AS (
                SELECT b.title_compact, a.surnames[1] AS first_surname, b.venue_norm
                FROM _pl_f_base b JOIN _pl_f_authors a USING (unique_id)
                WHERE b.venue_norm IS NOT NULL AND length(b.title_compact) >= 20 AND a.surnames[1] IS NOT NULL
            ), same_work AS (
                SELECT list(venue_norm) AS venues FROM t GROUP BY title_compact, first_surname
                HAVING count(*) BETWEEN 2 AND {VENUE_ALIAS_MAX_GROUP}
            ), pairs AS (  -- every pair of records of a work, both ways
                SELECT x.v AS a, y.v AS b
                FROM same_work w,
                    LATERAL (SELECT unnest(w.venues) AS v, generate_subscripts(w.venues, 1) AS i) x,
                    LATERAL (SELECT unnest(w.venues) AS v, generate_subscripts(w.venues, 1) AS i) y
                WHERE x.i <> y.i
            ), counts AS (
                SELECT a, b, count(*) AS n, sum(count(*)) OVER (PARTITION BY a) AS n_a FROM pairs GROUP BY a, b
            ), aliases AS (
                SELECT l.a, l.b FROM counts l JOIN counts r ON r.a = l.b AND r.b = l.a
                WHERE l.a <> l.b AND l.n >= {VENUE_ALIAS_MIN_PAIRS} AND l.n >= 0.5 * l.n_a AND r.n >= 0.5 * r.n_a
            )
            SELECT a AS venue_norm, least(a, min(b)) AS venue_id FROM aliases GROUP BY a""",
        # block sizes of the capped rules (counted apart: a window over the wide final rows costs more)
        "_pl_f_title_freq": """
            SELECT b.title_compact, count(*) AS title_freq, count(DISTINCT a.surnames[1]) AS title_first_authors
            FROM _pl_f_base b LEFT JOIN _pl_f_authors a USING (unique_id) GROUP BY 1""",
        "_pl_f_author_year_freq": """
            SELECT a.surnames[1] AS first_surname, b.year, count(*) AS author_year_freq
            FROM _pl_f_base b LEFT JOIN _pl_f_authors a USING (unique_id) GROUP BY 1, 2""",
    }
    try:
        for name, sql in steps.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        # (not one more join in the final query: under a tight memory limit that one runs out)
        con.execute("UPDATE _pl_f_base b SET venue_norm = va.venue_id FROM _pl_f_venue_alias va "
                    "WHERE b.venue_norm = va.venue_norm")
        con.execute(f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT b.unique_id, b.source_dataset, b.title_norm,
            b.title_compact,
            w.title_tokens, w.title_weights, w.title_wsum, nullif(w.words, []) AS title_words,
            pl_title_markers(b.title_norm) AS title_markers,
            tf.title_freq, tf.title_first_authors,
            k.title_keys,
            nullif(list_distinct(list_filter(a.surnames, lambda s: s IS NOT NULL)), []) AS author_surnames,
            a.surnames[1] AS first_author_surname,
            nullif(list_distinct(list_transform(list_filter(a.surnames, lambda s: s IS NOT NULL), lambda s: left(s, 4))), []) AS author_prefixes,
            ay.author_year_freq,
            nullif(a.name_words, []) AS author_name_words,
            b.year, b.venue_norm, nullif(b.venue_keys, []) AS venue_keys, b.first_page, b.doi, b.arxiv_id, b.pmid, b.is_preprint,
            nullif(b.abstract_tokens, []) AS abstract_tokens
        FROM _pl_f_base b LEFT JOIN _pl_f_weighted w USING (unique_id) LEFT JOIN _pl_f_title_keys k USING (unique_id)
            LEFT JOIN _pl_f_authors a USING (unique_id)
            LEFT JOIN _pl_f_title_freq tf ON tf.title_compact IS NOT DISTINCT FROM b.title_compact
            LEFT JOIN _pl_f_author_year_freq ay
                ON ay.first_surname IS NOT DISTINCT FROM a.surnames[1] AND ay.year IS NOT DISTINCT FROM b.year
        ORDER BY b.unique_id
        """)
    finally:
        for name in reversed(steps):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0]

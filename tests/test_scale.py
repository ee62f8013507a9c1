"""Performance changes that must not change results: hoisted comparison calls, cheap pair counts,
λ from a sample of records, and the [engine] section of job.toml; and the blocking caps that keep
candidate pairs per record bounded as a corpus grows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from paperlink.config import ConfigError, parse_engine
from paperlink.db import connect
from paperlink.model.features import build_features
from paperlink.model.linker import (DEFAULT_SETTINGS, count_pairs, make_linker, predict_in_pieces, refine_prior,
                                    rule_condition, scoring)
from paperlink.model.sqlopt import hoist, shared_calls
from paperlink.pipeline import DEFAULT_MODEL, LinkageJob
from paperlink.synth import generate


@pytest.fixture(scope="module")
def corpus_con(tmp_path_factory):
    out = tmp_path_factory.mktemp("scale")
    generate(80, out, seed=5, processes=1)
    job = LinkageJob.from_config(out / "job.toml")
    job.config.database.path = out / "db.duckdb"
    job.load()
    build_features(job.con)
    yield job.con
    job.close()


def test_shared_calls_of_the_default_settings():
    calls = shared_calls(json.loads(DEFAULT_SETTINGS.read_text()))
    assert "pl_weighted_jaccard(title_tokens_l, title_weights_l, title_wsum_l, title_tokens_r, title_wsum_r)" in calls
    assert "pl_overlap(author_surnames_l, author_surnames_r)" in calls
    assert "pl_jaccard(abstract_tokens_l, abstract_tokens_r)" in calls
    assert not any(c.startswith("jaro_winkler_similarity") for c in calls)  # used once per comparison


def test_hoist_rewrites_only_comparison_vector_selects():
    sql = ("WITH x AS (select a, CASE WHEN f(a_l, a_r) > 1 THEN 2 WHEN f(a_l, a_r) > 0 THEN 1 ELSE 0 END as gamma_a "
           "from blocked_with_cols) select * from x")
    out = hoist(sql, ["f(a_l, a_r)"])
    assert out.count("f(a_l, a_r)") == 1 and "AS blocked_with_cols" in out
    assert hoist("select f(a_l, a_r), f(a_l, a_r) from t", ["f(a_l, a_r)"]) == "select f(a_l, a_r), f(a_l, a_r) from t"
    assert hoist(sql, ["g(a_l, a_r)"]) == sql


def test_hoisted_prediction_is_identical(corpus_con):
    con = corpus_con
    model = json.loads(DEFAULT_MODEL.read_text())
    rows = {}
    for flag in (True, False):
        pred = make_linker(con, model, hoist_shared_calls=flag).inference.predict()
        rows[flag] = con.execute(f"SELECT * EXCLUDE (match_weight, match_probability), round(match_weight, 9) "
                                 f"FROM {pred.physical_name} ORDER BY unique_id_l, unique_id_r").fetchall()
        pred.drop_table_from_database_and_remove_from_cache()
    assert len(rows[True]) > 100 and rows[True] == rows[False]


def test_pieces_score_the_same_pairs_as_one_piece(corpus_con, caplog):
    """predict in 3 x 3 pieces (blocking once per left slice, pieces split by the right record)
    gives the same scored pairs as one piece, each pair once, with every rule's count (and no
    warning about the columns the pieces' narrow scoring input leaves out)."""
    con = corpus_con
    model = json.loads(DEFAULT_MODEL.read_text())
    rows, counts, progress = {}, {}, []
    for k in (1, 3):
        linker = make_linker(con, model)
        with scoring(linker):
            table, counts[k] = predict_in_pieces(linker, con, 0.01, k, on_piece=lambda done, n: progress.append((done, n)))
        rows[k] = con.execute(f"SELECT unique_id_l, unique_id_r, gamma_title, round(match_weight, 9) FROM {table} "
                              "ORDER BY unique_id_l, unique_id_r").fetchall()
        con.execute(f"DROP TABLE {table}")
    assert len(rows[1]) > 100 and rows[3] == rows[1]
    assert len({(r[0], r[1]) for r in rows[3]}) == len(rows[3])
    assert progress == [(1, 1)] + [(i, 9) for i in range(1, 10)]
    rules = model["blocking_rules_to_generate_predictions"]
    assert counts[3] == counts[1] and sorted(counts[1]) == list(range(len(rules)))
    # each rule's count is the pairs it adds to the rules before it
    seen = 0
    for key in range(len(rules)):
        cond = " OR ".join(f"({rule_condition(r)})" for r in rules[:key + 1])
        upto = con.execute(f"SELECT count(*) FROM features l JOIN features r ON l.unique_id < r.unique_id AND ({cond})").fetchall()[0][0]
        assert counts[1][key] == upto - seen
        seen = upto
    assert not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '__paperlink%'").fetchall()[0][0]
    assert "SETTINGS VALIDATION" not in caplog.text


def test_equality_rule_counts_match_the_join(corpus_con):
    con = corpus_con
    for rule in ("l.first_author_surname = r.first_author_surname", "l.title_compact = r.title_compact",
                 "l.first_author_surname = r.first_author_surname AND l.year = r.year"):
        join = con.execute(f"SELECT count(*) FROM features l JOIN features r ON l.unique_id < r.unique_id AND ({rule})").fetchall()[0][0]
        assert count_pairs(con, rule) == join > 0


def test_refine_prior_on_a_sample_of_records(corpus_con):
    con = corpus_con
    model = json.loads(DEFAULT_MODEL.read_text())
    full = refine_prior(make_linker(con, model), con)
    same = refine_prior(make_linker(con, model), con, max_pairs=1e9)  # fewer pairs than that: all records
    sampled = refine_prior(make_linker(con, model), con, max_pairs=300)
    assert same == pytest.approx(full, rel=1e-12)
    assert sampled == pytest.approx(full, rel=0.5) and sampled != full
    assert not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '__pl_refine%'").fetchall()[0][0]


def test_engine_section():
    e = parse_engine({"backend": "spark", "master": "local[2]", "spark_conf": {"spark.driver.memory": "2g", "spark.sql.adaptive.enabled": True},
                      "work_dir": "spark"}, Path("/tmp/job"))
    assert e.backend == "spark" and e.spark_conf == {"spark.driver.memory": "2g", "spark.sql.adaptive.enabled": "true"}
    assert e.work_dir == Path("/tmp/job/spark")
    assert parse_engine({}, Path("/tmp")).backend == "duckdb"
    for bad in ({"backend": "polars"}, {"master": " "}, {"spark_conf": {"driver.memory": "2g"}}, {"threads": 2}):
        with pytest.raises(ConfigError):
            parse_engine(bad, Path("/tmp"))


def features_of(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """A connection whose ``features`` are built from records (record_id, title, authors, year)."""
    from paperlink.records.load import RECORD_COLUMNS

    con = connect()
    con.execute(f"CREATE TABLE records ({RECORD_COLUMNS})")
    con.executemany("INSERT INTO records (record_id, source, title, authors, year) VALUES (?, 't', ?, ?, ?)", rows)
    build_features(con)
    return con


def test_oversized_first_author_year_blocks_are_not_generated():
    """The "first author + year" rule pairs records of a block no larger than its cap (a
    block-size column of the features), so a "Wang 2020" block cannot explode, and only records
    whose titles share a word (stopwords aside)."""
    from paperlink.synth.vocab import lexicon_word

    settings = json.loads(DEFAULT_SETTINGS.read_text())
    rules = [r["blocking_rule"] for r in settings["blocking_rules_to_generate_predictions"]]
    # (records with title words meet through the rule that explodes them; the other first-author
    # rule is for records without title words)
    rule = next(r for r in rules if "l.first_author_surname = r.first_author_surname" in r and "l.title_words = r.title_words" in r)
    cap = int(rule.split("l.author_year_freq <=")[1].split()[0])
    # two title words of its own per record and one shared word ("survey", except for Li): no
    # shared title, title key or identifier
    blocks = {("Wang", 2020): cap + 1, ("Wang", 2021): cap, ("Smith", 2020): 2, ("Li", 2020): 2}
    members = [(surname, year, i) for (surname, year), n in blocks.items() for i in range(n)]
    rows = [(f"t:{surname}{year}-{i}", f"{lexicon_word(2 * k + 5000)} {lexicon_word(2 * k + 5001)}"
             + (" of the survey" if surname != "Li" else " of the"),
             [f"Wei {surname}", "Ann Other"], year) for k, (surname, year, i) in enumerate(members)]
    # titles of stopwords only (no title words, no title key): paired by first author and year alone
    rows += [("t:Lee2020-0", "Of the", ["Wei Lee"], 2020), ("t:Lee2020-1", "On a", ["Wei Lee"], 2020)]
    con = features_of(rows)
    linker = make_linker(con, settings)
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    pairs = con.execute(f"""SELECT split_part(split_part(join_key_l, ':', 2), '-', 1), count(*), min(match_key), max(match_key)
        FROM {blocked.physical_name} GROUP BY 1""").fetchall()
    key = str(rules.index(rule))
    without_words = str(next(i for i, r in enumerate(rules) if "l.title_words IS NULL" in r))
    assert sorted(pairs) == [("Lee2020", 1, without_words, without_words), ("Smith2020", 1, key, key),
                             ("Wang2021", cap * (cap - 1) // 2, key, key)]


def test_title_keys_of_many_different_works_are_split_by_first_author():
    """A title key shared by records of many first authors (many works) is split by first
    author, so only records with the same first author meet through it, and a record without
    authors leaves it; one shared by as many records of one first author (one paper cited over
    and over) stays whole.  A small block of many authors stays whole too; past
    MAX_TITLE_KEY_AUTHORS first authors it is dropped."""
    from paperlink.model.features import MAX_TITLE_KEY_AUTHORS, TITLE_KEY_SPLIT_BLOCK
    from paperlink.synth.vocab import lexicon_word

    n = TITLE_KEY_SPLIT_BLOCK + 1
    surname = [lexicon_word(9000 + i).capitalize() for i in range(n)]
    rows = [(f"t:many-{i}", "Brionase Kelvarite", [f"Ann {surname[i]}"]) for i in range(n)]
    rows += [("t:many-again", "Brionase Kelvarite", [f"A. {surname[0]}", "Bo Other"]),
             ("t:many-anonymous", "Brionase Kelvarite", [])]
    rows += [(f"t:one-{i}", "Dodaene Pliobaite", ["Ann Smith"]) for i in range(2 * n)]
    rows += [(f"t:few-{i}", "Gorsuvian Tellurate", [f"Ann {surname[i]}"]) for i in range(MAX_TITLE_KEY_AUTHORS + 1)]
    rows += [(f"t:fewer-{i}", "Pellucite Vombrane", [f"Ann {surname[i]}"]) for i in range(MAX_TITLE_KEY_AUTHORS)]
    con = features_of([(*row, 2020) for row in rows])
    keys = dict(con.execute("SELECT unique_id, title_keys FROM features").fetchall())
    first = f"brionase kelvarite @{surname[0].lower()[:4]}"
    assert keys["t:many-0"] == keys["t:many-again"] == [first]
    assert keys[f"t:many-{n - 1}"] == [f"brionase kelvarite @{surname[n - 1].lower()[:4]}"]
    assert keys["t:many-anonymous"] is None
    assert {tuple(keys[f"t:one-{i}"]) for i in range(2 * n)} == {("dodaene pliobaite",)}
    assert keys["t:few-0"] is None
    assert keys["t:fewer-0"] == ["pellucite vombrane"]


def test_crowded_split_title_keys_are_windowed_by_year():
    """A split title key whose block is still crowded (one common surname, many works: a large
    corpus) is split again into three-year windows: records one year apart still meet, records
    three years apart do not, a record without a year meets them all.  A block of one surname
    no larger than TITLE_KEY_SPLIT_BLOCK keeps its key whole."""
    from paperlink.model.features import TITLE_KEY_SPLIT_BLOCK
    from paperlink.synth.vocab import lexicon_word

    n = TITLE_KEY_SPLIT_BLOCK + 1
    others = [lexicon_word(9000 + i).capitalize() for i in range(n)]
    rows = [(f"t:other-{i}", "Brionase Kelvarite", [f"Ann {others[i]}"], 2000) for i in range(n)]
    rows += [(f"t:wang-{i}", "Brionase Kelvarite", ["Wei Wang"], 1990 + i) for i in range(n)]
    rows += [("t:wang-undated", "Brionase Kelvarite", ["W. Wang"], None)]
    rows += [(f"t:smith-{i}", "Brionase Kelvarite", ["Ann Smith"], 2000) for i in range(3)]
    con = features_of(rows)
    keys = {uid: set(k or []) for uid, k in con.execute("SELECT unique_id, title_keys FROM features").fetchall()}
    wang = "brionase kelvarite @wang"
    assert keys["t:wang-10"] == {f"{wang} ~2000"}  # 2000: the window 1999-2001
    assert keys["t:wang-11"] == {f"{wang} ~2000", f"{wang} ~2002"}  # 2001: windows 1999-2001 and 2001-2003
    assert keys["t:wang-10"] & keys["t:wang-11"] and keys["t:wang-11"] & keys["t:wang-12"]
    assert not keys["t:wang-10"] & keys["t:wang-13"]
    assert keys["t:wang-undated"] == set().union(*(keys[f"t:wang-{i}"] for i in range(n)))
    assert keys["t:smith-0"] == {"brionase kelvarite @smit"}


def test_compact_title_blocks_of_many_authors_pair_records_a_year_apart():
    """The exact-title rule pairs all records of a title shared by few first authors or few
    records, but in a crowded one (more than 25 records of more than 5 first authors) only
    records at most a year apart, or without a year."""
    rule = next(r["blocking_rule"] for r in json.loads(DEFAULT_SETTINGS.read_text())["blocking_rules_to_generate_predictions"]
                if "title_compact" in r["blocking_rule"])
    rows = [(f"t:crowded-{i}", "Editorial", [f"Ann Author{i % 10}"], 1990 + i) for i in range(30)]
    rows += [("t:crowded-undated", "Editorial", ["Ann Author0"], None)]
    rows += [(f"t:few-{i}", "Preface", ["Ann Smith"], 1990 + 3 * i) for i in range(30)]
    con = features_of(rows)
    pairs = dict(con.execute(f"""SELECT split_part(l.unique_id, '-', 1), count(*) FROM features l JOIN features r
        ON l.unique_id < r.unique_id AND ({rule}) GROUP BY 1""").fetchall())
    assert pairs == {"t:crowded": 29 + 30, "t:few": 30 * 29 // 2}


def test_predict_chunks_grow_with_the_corpus():
    """``num_chunks = "auto"`` (the default) predicts in one piece up to 1.1 M records and
    keeps each piece about as large as a 1.1 M-record corpus beyond; a number is taken as given."""
    from paperlink.pipeline import predict_chunks

    assert [predict_chunks(n) for n in (0, 100_000, 1_000_000, 1_050_000, 2_500_000, 10_000_000, 40_000_000)] == [1, 1, 1, 1, 2, 4, 7]
    from paperlink.config import load_job

    assert load_job(Path(__file__).resolve().parents[1] / "linkage_config" / "job.toml").linkage.num_chunks is None

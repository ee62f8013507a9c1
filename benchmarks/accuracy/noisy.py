"""A noisier, web-scraped-style proxy benchmark derived at run time from DBLP-ACM.

Source ``dblp`` is DBLP2.csv as it is; source ``scholar`` holds every ACM record 1-3 times
(about 60/30/10 %), each copy with its own seeded noise like a Google Scholar export: titles
truncated, lower-cased, with a typo or a "[PDF]"/"[CITATION]" tag; authors as initials,
truncated lists, surname typos; years missing or off by one; venues missing or cut to one word;
pages read in the wrong encoding (mojibake: "LudÃ¤scher") or with "?" for letters outside ASCII.
The files are written to a directory the caller gives (a temporary one: the third-party data
is never copied into the project).  The job is ``dedupe_only`` over both sources (the default
settings), scored over all pairs: cross-source links and the duplicates inside ``scholar``.

    python benchmarks/accuracy/noisy.py --bare [--limit N]   # a plain Splink 5 model on the same data

``run.py`` runs paperlink on it as dataset ``dblp_acm_noisy``.
"""

from __future__ import annotations

import csv
import html
import json
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parents[2] / "shared" / "benchmarks" / "dblp_acm"
COLUMNS = ["id", "title", "authors", "venue", "year"]


def _read(name: str) -> list[dict]:
    with open(BENCH / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _swap(rng: random.Random, word: str) -> str:
    """Swap two adjacent letters (a typo) somewhere inside ``word``."""
    spots = [i for i in range(len(word) - 1) if word[i].isalpha() and word[i + 1].isalpha() and word[i] != word[i + 1]]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _noisy_title(rng: random.Random, title: str) -> str:
    words = title.split()
    if rng.random() < 0.15 and len(words) >= 3:
        words = words[:max(1, round(len(words) * rng.uniform(0.5, 0.85)))]
    if rng.random() < 0.05:
        long = [i for i, w in enumerate(words) if len(w) >= 4]
        if long:
            i = rng.choice(long)
            words[i] = _swap(rng, words[i])
    title = " ".join(words)
    if rng.random() < 0.10:
        title = title.lower()
    if rng.random() < 0.05:
        title = rng.choice(["[PDF] ", "[CITATION] "]) + title
    return title


def _noisy_authors(rng: random.Random, authors: str) -> str:
    names = [a.strip() for a in authors.split(",") if a.strip()]
    if not names:
        return ""
    if rng.random() < 0.20:
        names = names[:rng.randint(1, 2)]
    if rng.random() < 0.05:
        i = rng.randrange(len(names))
        *given, surname = names[i].split()
        names[i] = " ".join(given + [_swap(rng, surname)])
    if rng.random() < 0.50:
        dot = rng.choice([".", ""])
        names = [f"{n.split()[0][0]}{dot} {n.split()[-1]}" if len(n.split()) > 1 else n for n in names]
    return ", ".join(names)


def _noisy_copy(rng: random.Random, row: dict, k: int) -> dict:
    year = row["year"]
    r = rng.random()
    if r < 0.35:
        year = ""
    elif r < 0.40 and year:
        year = str(int(year) + rng.choice([-1, 1]))
    venue = row["venue"]
    r = rng.random()
    if r < 0.50:
        venue = ""
    elif r < 0.70:
        venue = venue.split()[0] if venue else ""
    return {"id": f"{row['id']}-{k}", "title": _noisy_title(rng, row["title"]),
            "authors": _noisy_authors(rng, row["authors"]), "venue": venue, "year": year}


def _as_cp1252(text: str) -> str:
    """UTF-8 text read as cp1252 (Latin-1 for the bytes cp1252 leaves undefined): mojibake."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8"))


def _garbled(rng: random.Random, copy: dict) -> dict:
    """A page scraped with the wrong encoding: UTF-8 read as cp1252 ("Ludäscher" ->
    "LudÃ¤scher", 12 %), or letters outside ASCII written as "?" ("Lud?scher", 4 %)."""
    r = rng.random()
    fields = ("title", "authors", "venue")
    if r < 0.12:
        return {**copy, **{k: _as_cp1252(copy[k]) for k in fields}}
    if r < 0.16:
        return {**copy, **{k: "".join(ch if ord(ch) < 128 else "?" for ch in copy[k]) for k in fields}}
    return copy


def make_noisy_dblp_acm(out_dir: Path, seed: int = 7, limit: int | None = None,
                        duplicate_free: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """Write dblp.csv, scholar.csv, gold.csv (record_id,entity_id) and job.toml into ``out_dir``;
    returns (job file, gold file).  ``limit``: only the records of the first ``limit`` pairs of
    the perfect mapping (a fast slice); else every record of both tables.  ``duplicate_free``:
    sources the job declares duplicate-free (none by default)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    encoding_rng = random.Random(seed + 1000)  # its own stream: the other noise stays as it was
    mapping = [(m["idDBLP"], m["idACM"]) for m in _read("DBLP-ACM_perfectMapping.csv")][:limit]
    dblp, acm = _read("DBLP2.csv"), _read("ACM.csv")
    if limit is not None:
        keep_d, keep_a = {d for d, _ in mapping}, {a for _, a in mapping}
        dblp = [r for r in dblp if r["id"] in keep_d]
        acm = [r for r in acm if r["id"] in keep_a]
    partner = {a: d for d, a in mapping}
    gold = [(f"dblp:{r['id']}", f"dblp:{r['id']}") for r in dblp]
    scholar = []
    for row in acm:
        # a scraped page shows the text, not HTML entities
        row = {k: html.unescape(v) for k, v in row.items()}
        entity = f"dblp:{partner[row['id']]}" if row["id"] in partner else f"acm:{row['id']}"
        for k in range(1, 1 + rng.choices([1, 2, 3], [60, 30, 10])[0]):
            copy = _garbled(encoding_rng, _noisy_copy(rng, row, k))
            scholar.append(copy)
            gold.append((f"scholar:{copy['id']}", entity))
    for name, rows in (("dblp", dblp), ("scholar", scholar)):
        with open(out_dir / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, COLUMNS)
            w.writeheader()
            w.writerows(rows)
    gold_path = out_dir / "gold.csv"
    with open(gold_path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("record_id", "entity_id"), *gold])
    cols = '{ source_id = "id", title = "title", authors = "authors", venue = "venue", year = "year" }'
    job = out_dir / "job.toml"
    # no link_type and no duplicate_free_sources: a user would not know that the scraped
    # source is full of duplicates, so the default settings (dedupe_only) link everything
    job.write_text(f"""# noisy DBLP-ACM (benchmarks/accuracy/noisy.py, seed {seed}), default settings
[database]
path = "paperlink.duckdb"

[output]
dir = "out"
""" + (f"""
[linkage]
duplicate_free_sources = {json.dumps(list(duplicate_free))}
""" if duplicate_free else "") + "".join(f"""
[[sources]]
name = "{name}"
format = "csv"
paths = ["{name}.csv"]
columns = {cols}
""" for name in ("dblp", "scholar")))
    return job, gold_path


# --------------------------------------------------------------------------- bare Splink baseline

def run_bare(data_dir: Path, gold: Path, threshold: float = 0.9) -> dict:
    """The plain Splink 5 model of ../shared/docs/bare-splink-lessons.md on the noisy CSVs;
    clusters at ``threshold`` scored as pairs over all pairs against ``gold``."""
    import logging

    import duckdb
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    con = duckdb.connect()
    con.execute("SET threads = 2")
    norm = "nullif(trim(regexp_replace(lower({}), '[^a-z0-9]+', ' ', 'g')), '')".format
    title = norm(r"regexp_replace(title, '^\[(PDF|CITATION)\] ', '')")
    surname = norm("split_part(trim(a), ' ', -1)")
    con.execute(f"""CREATE TABLE recs AS
        WITH raw AS (
            SELECT 'dblp:' || id AS unique_id, * EXCLUDE (id) FROM read_csv('{data_dir}/dblp.csv', all_varchar = true)
            UNION ALL
            SELECT 'scholar:' || id, * EXCLUDE (id) FROM read_csv('{data_dir}/scholar.csv', all_varchar = true)),
        t AS (SELECT *, {title} AS title_norm,
                 list_filter(list_transform(string_split(authors, ','),
                     lambda a: {surname}), lambda s: s IS NOT NULL) AS surnames
              FROM raw)
        SELECT unique_id, title_norm, left(title_norm, 12) AS title_prefix, right(title_norm, 12) AS title_suffix,
               nullif(surnames, []) AS surnames, surnames[1] AS first_author,
               {norm("venue")} AS venue, try_cast(year AS INTEGER) AS year
        FROM t""")
    db = DuckDBAPI(con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("title_norm", [0.95, 0.88, 0.80]).configure(term_frequency_adjustments=True),
            cl.ArrayIntersectAtSizes("surnames", [3, 2, 1]),
            cl.JaroWinklerAtThresholds("venue", [0.9, 0.7]),
            cl.CustomComparison(output_column_name="year", comparison_levels=[
                cll.NullLevel("year"), cll.ExactMatchLevel("year"), cll.AbsoluteDifferenceLevel("year", 1), cll.ElseLevel()]),
        ],
        blocking_rules_to_generate_predictions=[block_on("title_prefix"), block_on("title_suffix"), block_on("first_author")],
    )
    start = time.perf_counter()
    linker = Linker(db.register("recs"), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match([block_on("title_norm")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("title_prefix"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_author", "year"))
    pred = linker.inference.predict(threshold_match_probability=0.01)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=threshold)
    seconds = time.perf_counter() - start
    con.execute(f"CREATE TABLE g AS SELECT * FROM read_csv('{gold}', all_varchar = true)")
    tp, n_pred, n_gold = con.execute(f"""
        WITH c AS (SELECT x.unique_id AS a, y.unique_id AS b FROM {clusters.physical_name} x
                   JOIN {clusters.physical_name} y ON x.cluster_id = y.cluster_id AND x.unique_id < y.unique_id),
             t AS (SELECT x.record_id AS a, y.record_id AS b FROM g x JOIN g y
                   ON x.entity_id = y.entity_id AND x.record_id < y.record_id)
        SELECT (SELECT count(*) FROM c JOIN t USING (a, b)), (SELECT count(*) FROM c), (SELECT count(*) FROM t)""").fetchall()[0]
    p, r = tp / n_pred if n_pred else 0.0, tp / n_gold if n_gold else 0.0
    return {"dataset": "dblp_acm_noisy (bare Splink)", "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "seconds": round(seconds, 1)}


def main() -> None:
    if "--bare" not in sys.argv:
        sys.exit(__doc__.split("\n\n")[2])
    if not BENCH.exists():
        sys.exit(f"benchmark not found: {BENCH} (../shared is needed beside the project)")
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
    with tempfile.TemporaryDirectory() as tmp:
        _, gold = make_noisy_dblp_acm(Path(tmp), limit=limit)
        print(run_bare(Path(tmp), gold))


if __name__ == "__main__":
    main()

"""Clerical review: pick candidate pairs, write them for a reviewer, read the decisions back.

``export_review`` writes ``review.csv`` (or ``.tsv``) and a self-contained ``review.html`` (no
network: inline CSS and a few lines of JavaScript that download the decisions as CSV) with the two
records side by side (``doc_1_*``, ``doc_2_*``: title, authors, year, venue, doi, arxiv id,
source), the match weight and probability, the comparisons that contributed most (from the
``mw_*`` columns of ``predictions``) and an empty ``decision`` column.

Strategies (pairs already decided are never offered again):

- ``uncertain``: the scored pairs whose match weight is closest to the threshold's;
- ``random``: a seeded random sample of the scored pairs;
- ``disagreement``: pairs where the clusters and the pair score disagree: a pair at or above the
  threshold whose records are in different clusters, or a pair below it whose records are in one
  cluster (linked through others); strongest disagreement first, topped up with ``uncertain``
  pairs if fewer disagree.  (Also offering the in-cluster links a split-off pair competes with
  was tried on DBLP-ACM and did worse: a non-match on a wrong link only moves the record to its
  next-best wrong partner, a match on the right pair fixes both.)

``import_decisions`` validates a filled-in file and stores its decisions in the ``labels`` table
(``record_id_l < record_id_r``, ``decision`` in match / non-match / unsure).  A bad row is an
error naming the row; a pair repeated with the same decision is reported as a duplicate and
stored once; a pair with two different decisions -- in the file, against a stored decision, or
a non-match between records that match decisions chain together -- is a contradiction: all are
listed and nothing is stored (``replace=True`` lets the file's decision supersede a stored one;
the old decision goes to ``labels_history``).  Rows with an empty decision are not reviewed and
are skipped.
"""

from __future__ import annotations

import csv
import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

DECISIONS = ("match", "non-match", "unsure")
STRATEGIES = ("uncertain", "random", "disagreement")
FIELDS = ("record_id", "title", "authors", "year", "venue", "doi", "arxiv_id", "source")
SYNONYMS = {
    "match": "match", "matches": "match", "m": "match", "yes": "match", "y": "match", "same": "match",
    "true": "match", "1": "match", "duplicate": "match",
    "non-match": "non-match", "nonmatch": "non-match", "non match": "non-match", "no-match": "non-match",
    "no match": "non-match", "non_match": "non-match", "nm": "non-match", "no": "non-match", "n": "non-match",
    "different": "non-match", "false": "non-match", "0": "non-match", "distinct": "non-match",
    "unsure": "unsure", "?": "unsure", "maybe": "unsure", "unknown": "unsure", "skip": "unsure", "u": "unsure",
}
ID_COLUMNS = (("doc_1_record_id", "doc_2_record_id"), ("record_id_l", "record_id_r"), ("record_id_1", "record_id_2"))
MAX_LISTED = 25


class ReviewError(ValueError):
    """A review file or request that cannot be used; the message names the row or option."""


# --------------------------------------------------------------------------- labels table

def ensure_labels_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS labels (
        record_id_l VARCHAR NOT NULL, record_id_r VARCHAR NOT NULL, decision VARCHAR NOT NULL,
        note VARCHAR, source_file VARCHAR, source_row INTEGER, imported_at TIMESTAMP,
        same_cluster_at_review BOOLEAN, weight_at_review DOUBLE)""")
    con.execute("""CREATE TABLE IF NOT EXISTS labels_history (
        record_id_l VARCHAR, record_id_r VARCHAR, decision VARCHAR, note VARCHAR, source_file VARCHAR,
        source_row INTEGER, imported_at TIMESTAMP, same_cluster_at_review BOOLEAN, weight_at_review DOUBLE,
        superseded_at TIMESTAMP, superseded_by VARCHAR)""")


def _exists(con, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchall()[0][0])


def stored_labels(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    if not _exists(con, "labels"):
        return {}
    return {(a, b): d for a, b, d in con.execute(
        "SELECT record_id_l, record_id_r, decision FROM labels").fetchall()}


# --------------------------------------------------------------------------- selection

def threshold_weight(threshold: float) -> float:
    return math.log2(threshold / (1 - threshold))


def select_pairs(con: duckdb.DuckDBPyConnection, threshold: float, n: int, strategy: str = "uncertain",
                 seed: int = 42, exclude_decided: bool = True) -> list[tuple[str, str, str]]:
    """Up to ``n`` pairs (a, b, why) from ``predictions`` for review, a < b."""
    if strategy not in STRATEGIES:
        raise ReviewError(f"unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")
    if n < 1:
        raise ReviewError("the number of pairs to review (--n) must be at least 1")
    for table, step in (("predictions", "predict"), ("clusters", "cluster")):
        if not _exists(con, table):
            raise ReviewError(f"no `{table}` table: run `paperlink {step}` first")
    tw = threshold_weight(threshold)
    ensure_labels_table(con)
    decided = "ANTI JOIN labels d ON d.record_id_l = p.a AND d.record_id_r = p.b" if exclude_decided else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _pl_candidates AS
        SELECT p.*, cl.cluster_id AS cluster_l, cr.cluster_id AS cluster_r FROM (
            SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b,
                   max(match_weight) AS match_weight, max(match_probability) AS match_probability
            FROM predictions GROUP BY ALL) p
        {decided}
        LEFT JOIN clusters cl ON cl.record_id = p.a LEFT JOIN clusters cr ON cr.record_id = p.b""")
    uncertain = f"SELECT a, b, 'uncertain' AS why, abs(match_weight - {tw}) AS k FROM _pl_candidates"
    if strategy == "uncertain":
        sql = f"SELECT a, b, why FROM ({uncertain}) u ORDER BY k, a, b LIMIT {int(n)}"
    elif strategy == "random":
        sql = (f"SELECT a, b, 'random' AS why FROM _pl_candidates "
               f"ORDER BY md5({int(seed)}::VARCHAR || '|' || a || '|' || b), a, b LIMIT {int(n)}")
    else:
        sql = f"""
        WITH d AS (
            SELECT a, b, CASE WHEN match_probability >= {threshold} THEN 'high score, different clusters'
                              ELSE 'low score, same cluster' END AS why,
                   abs(match_weight - {tw}) AS strength
            FROM _pl_candidates
            WHERE (match_probability >= {threshold} AND cluster_l IS DISTINCT FROM cluster_r)
               OR (match_probability < {threshold} AND cluster_l = cluster_r)
        ), picked AS (SELECT a, b, why, 0 AS pass, -strength AS k FROM d
                      UNION ALL
                      SELECT a, b, why, 1 AS pass, k FROM ({uncertain}) u ANTI JOIN d USING (a, b))
        SELECT a, b, why FROM picked ORDER BY pass, k, a, b LIMIT {int(n)}"""
    return [tuple(r) for r in con.execute(sql).fetchall()]


# --------------------------------------------------------------------------- export

def comparison_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison output name -> comparison vector value (gamma) -> level label."""
    out: dict[str, dict[int, str]] = {}
    for comp in model.get("comparisons", []):
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        names = {}
        for i, lv in enumerate(levels):
            gamma = lv.get("comparison_vector_value", len(levels) - 1 - i)
            names[gamma] = lv.get("label_for_charts") or lv["sql_condition"][:40]
        names[-1] = "null"
        out[comp["output_column_name"]] = names
    return out


def pair_rows(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str, str]], model: dict | None = None,
              top: int = 3) -> list[dict]:
    """One dict per pair: ids, both records' fields, scores and contributing comparisons."""
    if not pairs:
        return []
    names = comparison_labels(model or {})
    mw_cols = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions' "
        "AND column_name LIKE 'mw\\_%' ESCAPE '\\' ORDER BY ordinal_position").fetchall()]
    comps = [c[3:] for c in mw_cols if c[3:] and not c.startswith("mw_tf_adj_")]
    gamma_cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'predictions' "
        "AND column_name LIKE 'gamma\\_%' ESCAPE '\\'").fetchall()}
    q = lambda c: '"' + c.replace('"', '""') + '"'  # noqa: E731
    extra = ", ".join(f"p.{q('mw_' + c)} AS {q('mw_' + c)}" + (f", p.{q('gamma_' + c)} AS {q('gamma_' + c)}"
                                                             if "gamma_" + c in gamma_cols else "")
                      for c in comps)
    con.execute("CREATE OR REPLACE TEMP TABLE _pl_review_pairs AS SELECT unnest(?::VARCHAR[]) AS a, "
                "unnest(?::VARCHAR[]) AS b, unnest(?::VARCHAR[]) AS why, generate_subscripts(?::VARCHAR[], 1) AS k",
                [[p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs], [p[0] for p in pairs]])
    rec = ("{s}.record_id AS {t}_record_id, {s}.title AS {t}_title, array_to_string({s}.authors, '; ') AS {t}_authors, "
           "{s}.year AS {t}_year, {s}.venue AS {t}_venue, {s}.doi AS {t}_doi, {s}.arxiv_id AS {t}_arxiv_id, "
           "{s}.source AS {t}_source, {c}.cluster_id AS {t}_cluster_id")
    rows = con.execute(f"""
        SELECT k, why, {rec.format(s='x', t='doc_1', c='cx')}, {rec.format(s='y', t='doc_2', c='cy')},
               p.match_weight, p.match_probability {(', ' + extra) if extra else ''}
        FROM _pl_review_pairs r JOIN records x ON x.record_id = r.a JOIN records y ON y.record_id = r.b
        LEFT JOIN clusters cx ON cx.record_id = r.a LEFT JOIN clusters cy ON cy.record_id = r.b
        LEFT JOIN (SELECT *, row_number() OVER (PARTITION BY least(unique_id_l, unique_id_r), greatest(unique_id_l, unique_id_r)
                                                ORDER BY match_weight DESC) AS rn FROM predictions) p
            ON least(p.unique_id_l, p.unique_id_r) = r.a AND greatest(p.unique_id_l, p.unique_id_r) = r.b AND p.rn = 1
        ORDER BY k""")
    cols = [d[0] for d in rows.description]
    out = []
    for values in rows.fetchall():
        row = dict(zip(cols, values))
        contribs = []
        for c in comps:
            w = row.pop("mw_" + c, None)
            g = row.pop("gamma_" + c, None)
            if w is None or g == -1:
                continue
            contribs.append((c, names.get(c, {}).get(g, f"level {g}") if g is not None else "", float(w)))
        contribs.sort(key=lambda t: (-abs(t[2]), t[0]))
        fmt = lambda t: f"{t[0]}: {t[1]} ({t[2]:+.1f})"  # noqa: E731
        out.append({
            "pair": row.pop("k"),
            "doc_1_record_id": row["doc_1_record_id"], "doc_2_record_id": row["doc_2_record_id"],
            "decision": "", "note": "",
            "match_probability": None if row["match_probability"] is None else round(row["match_probability"], 6),
            "match_weight": None if row["match_weight"] is None else round(row["match_weight"], 3),
            "top_comparisons": "; ".join(fmt(t) for t in contribs[:top]),
            "same_cluster": row["doc_1_cluster_id"] == row["doc_2_cluster_id"],
            "why": row.pop("why"),
            **{f"doc_{i}_{f}": row[f"doc_{i}_{f}"] for f in FIELDS[1:] + ("cluster_id",) for i in (1, 2)},
            "comparisons": "; ".join(fmt(t) for t in contribs),
            "_contribs": contribs,
        })
    return out


COLUMNS = (["pair", "doc_1_record_id", "doc_2_record_id", "decision", "note", "match_probability", "match_weight",
            "top_comparisons", "same_cluster", "why"]
           + [f"doc_{i}_{f}" for f in FIELDS[1:] + ("cluster_id",) for i in (1, 2)] + ["comparisons"])


def export_review(con: duckdb.DuckDBPyConnection, out_dir: str | Path, n: int = 200, strategy: str = "uncertain",
                  threshold: float = 0.9, model: dict | None = None, seed: int = 42, tsv: bool = False) -> dict:
    """Select pairs and write ``review.csv``/``.tsv`` and ``review.html`` into ``out_dir``."""
    pairs = select_pairs(con, threshold, n, strategy, seed)
    rows = pair_rows(con, pairs, model)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = out_dir / ("review.tsv" if tsv else "review.csv")
    with open(table, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter="\t" if tsv else ",")
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in COLUMNS])
    page = out_dir / "review.html"
    page.write_text(render_html(rows, strategy, threshold), encoding="utf-8")
    return {"pairs": len(rows), "strategy": strategy, "table": str(table), "html": str(page)}


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1200px}
h1{font-size:1.3em} .pair{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.6em 1em}
.pair.decided{border-color:#4a4} table.docs{border-collapse:collapse;width:100%}
table.docs td,table.docs th{border-top:1px solid #eee;padding:.25em .5em;vertical-align:top;text-align:left}
table.docs th{width:8em;color:#666;font-weight:normal} td.diff{background:#fff4e0}
.meta{color:#555} .bar{display:inline-block;height:.7em;vertical-align:middle}
.pos{background:#4a8} .neg{background:#d66} ul.contrib{margin:.3em 0 .3em 1em;padding:0}
.decide label{margin-right:1.2em} button{font-size:1em;padding:.3em .8em}
"""

_JS = """
function csvCell(v){v=String(v==null?'':v);return /[",\\n]/.test(v)?'"'+v.replace(/"/g,'""')+'"':v;}
function collect(){var rows=[['pair','doc_1_record_id','doc_2_record_id','decision','note']];
 document.querySelectorAll('.pair').forEach(function(p){var c=p.querySelector('input[type=radio]:checked');
  rows.push([p.dataset.pair,p.dataset.l,p.dataset.r,c?c.value:'',p.querySelector('input.note').value]);});
 return rows.map(function(r){return r.map(csvCell).join(',');}).join('\\n')+'\\n';}
function download(){var a=document.createElement('a');
 a.href=URL.createObjectURL(new Blob([collect()],{type:'text/csv'}));a.download='decisions.csv';
 document.body.appendChild(a);a.click();a.remove();}
document.addEventListener('change',function(e){var p=e.target.closest('.pair');
 if(p&&e.target.type==='radio'){p.classList.add('decided');}
 var n=document.querySelectorAll('.pair.decided').length;document.getElementById('count').textContent=n;});
"""


def render_html(rows: list[dict], strategy: str, threshold: float) -> str:
    e = lambda v: html.escape("" if v is None else str(v))  # noqa: E731
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>paperlink review</title>"
             f"<style>{_CSS}</style><script>{_JS}</script></head><body>",
             f"<h1>paperlink clerical review: {len(rows)} pairs ({e(strategy)}, threshold {threshold})</h1>",
             "<p>For each pair choose <b>match</b> (the same work), <b>non-match</b> or <b>unsure</b>, then "
             "<button onclick='download()'>download decisions.csv</button> (<span id='count'>0</span> decided) and "
             "run <code>paperlink review import decisions.csv</code>. The decision column of review.csv can be "
             "filled in instead.</p>"]
    for r in rows:
        contribs = "".join(
            f"<li><span class='bar {'pos' if w >= 0 else 'neg'}' style='width:{min(abs(w), 20) * 6:.0f}px'></span> "
            f"{e(c)}: {e(label)} ({w:+.1f})</li>" for c, label, w in r["_contribs"])
        fields = ""
        for f in FIELDS[1:] + ("cluster_id",):
            a, b = r[f"doc_1_{f}"], r[f"doc_2_{f}"]
            diff = " class='diff'" if (a or b) and str(a or "").lower() != str(b or "").lower() else ""
            fields += f"<tr><th>{e(f)}</th><td{diff}>{e(a)}</td><td{diff}>{e(b)}</td></tr>"
        p = r["match_probability"]
        w = r["match_weight"]
        score = "not scored" if p is None else f"probability {p:.4f}, weight {w:+.2f}"
        name = f"d{r['pair']}"
        parts.append(
            f"<div class='pair' data-pair='{e(r['pair'])}' data-l='{e(r['doc_1_record_id'])}' data-r='{e(r['doc_2_record_id'])}'>"
            f"<div class='meta'>#{e(r['pair'])} · {e(score)} · {'same cluster' if r['same_cluster'] else 'different clusters'}"
            f" · {e(r['why'])}</div>"
            f"<table class='docs'><tr><th></th><th>doc_1 — {e(r['doc_1_record_id'])}</th>"
            f"<th>doc_2 — {e(r['doc_2_record_id'])}</th></tr>{fields}</table>"
            f"<ul class='contrib'>{contribs}</ul><div class='decide'>"
            + "".join(f"<label><input type='radio' name='{name}' value='{d}'> {d}</label>" for d in DECISIONS)
            + "<input class='note' placeholder='note' size='40'></div></div>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- import

@dataclass
class ImportResult:
    rows: int = 0
    not_reviewed: int = 0
    stored: int = 0
    replaced: int = 0
    already_stored: int = 0
    duplicates: list[str] = field(default_factory=list)
    by_decision: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def normalise_decision(value: str) -> str | None:
    """'match' / 'non-match' / 'unsure', None for an empty cell, ValueError otherwise."""
    v = " ".join((value or "").strip().lower().split())
    if not v:
        return None
    if v in SYNONYMS:
        return SYNONYMS[v]
    raise ValueError(f"decision {value.strip()!r} is not one of {', '.join(DECISIONS)}")


def read_decisions(path: Path) -> list[dict]:
    """Rows (row number, line, ids, decision, note) of a review file; ReviewError names a bad row."""
    if not path.exists():
        raise ReviewError(f"review file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{path}: not UTF-8 text ({exc})") from None
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if path.suffix.lower() == ".tsv" or first.count("\t") > first.count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ReviewError(f"{path}: empty file") from None
    ids = next((pair for pair in ID_COLUMNS if set(pair) <= set(header)), None)
    if ids is None or "decision" not in header:
        raise ReviewError(f"{path}: expected columns doc_1_record_id, doc_2_record_id and decision "
                          f"(or record_id_l, record_id_r, decision); found {', '.join(header) or 'none'}")
    at = {h: i for i, h in reversed(list(enumerate(header)))}
    rows, errors = [], []
    for n, cells in enumerate(reader, start=1):
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        where = f"{path.name} row {n} (line {line})"
        if len(cells) != len(header):
            errors.append(f"{where}: {len(cells)} fields, the header has {len(header)}")
            continue
        get = lambda col: cells[at[col]].strip() if col in at else ""  # noqa: E731
        a, b = get(ids[0]), get(ids[1])
        try:
            decision = normalise_decision(get("decision"))
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        if not a or not b:
            errors.append(f"{where}: {ids[0] if not a else ids[1]} is empty")
            continue
        if a == b:
            errors.append(f"{where}: a record paired with itself ({a})")
            continue
        rows.append({"row": n, "line": line, "a": min(a, b), "b": max(a, b), "decision": decision,
                     "note": get("note") or None, "where": where})
    if errors:
        raise ReviewError(_listing(f"{path}: {len(errors)} bad row(s), nothing imported", errors))
    return rows


def _listing(head: str, items: list[str]) -> str:
    shown = items[:MAX_LISTED]
    more = f"; ... and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
    return head + ": " + "; ".join(shown) + more


def import_decisions(con: duckdb.DuckDBPyConnection, path: str | Path, replace: bool = False) -> ImportResult:
    path = Path(path)
    rows = read_decisions(path)
    result = ImportResult(rows=len(rows))
    if not _exists(con, "records"):
        raise ReviewError("no `records` table: run `paperlink load` first")
    ids = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    known = {r[0] for r in con.execute(
        "SELECT record_id FROM records WHERE record_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}
    unknown = [f"{r['where']}: unknown record_id {x!r}" for r in rows for x in (r["a"], r["b"]) if x not in known]
    if unknown:
        raise ReviewError(_listing(f"{path}: records not in this run, nothing imported", unknown))

    ensure_labels_table(con)
    stored = stored_labels(con)
    contradictions: list[str] = []
    incoming: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["decision"] is None:
            result.not_reviewed += 1
            continue
        key = (r["a"], r["b"])
        seen = incoming.get(key)
        if seen is not None:
            if seen["decision"] == r["decision"]:
                result.duplicates.append(f"{r['where']} repeats {seen['where']} ({key[0]} / {key[1]}: {r['decision']})")
            else:
                contradictions.append(f"{r['where']} says {r['decision']} but {seen['where']} says "
                                      f"{seen['decision']} for {key[0]} / {key[1]}")
            continue
        incoming[key] = r
    new: dict[tuple[str, str], dict] = {}
    superseded: list[tuple[str, str]] = []
    for key, r in incoming.items():
        old = stored.get(key)
        if old is None:
            new[key] = r
        elif old == r["decision"]:
            result.already_stored += 1
        elif replace:
            new[key] = r
            superseded.append(key)
        else:
            contradictions.append(f"{r['where']} says {r['decision']} but the stored decision for "
                                  f"{key[0]} / {key[1]} is {old} (import with --replace to supersede it)")
    merged = {k: v for k, v in stored.items()}
    merged.update({k: r["decision"] for k, r in new.items()})
    contradictions += chain_contradictions(merged, {k: r["where"] for k, r in new.items()})
    if contradictions:
        raise ReviewError(_listing(f"{path}: {len(contradictions)} contradiction(s), nothing imported", contradictions))

    con.execute("BEGIN TRANSACTION")
    try:
        if superseded:
            con.execute("CREATE OR REPLACE TEMP TABLE _pl_superseded AS "
                        "SELECT unnest(?::VARCHAR[]) AS a, unnest(?::VARCHAR[]) AS b",
                        [[a for a, _ in superseded], [b for _, b in superseded]])
            con.execute("""INSERT INTO labels_history SELECT l.*, now(), ? FROM labels l
                SEMI JOIN _pl_superseded s ON s.a = l.record_id_l AND s.b = l.record_id_r""", [str(path.resolve())])
            con.execute("""DELETE FROM labels USING _pl_superseded s
                WHERE s.a = labels.record_id_l AND s.b = labels.record_id_r""")
        if new:
            vals = list(new.values())
            con.execute("""CREATE OR REPLACE TEMP TABLE _pl_new_labels AS SELECT unnest(?::VARCHAR[]) AS a,
                unnest(?::VARCHAR[]) AS b, unnest(?::VARCHAR[]) AS decision, unnest(?::VARCHAR[]) AS note,
                unnest(?::INTEGER[]) AS row""",
                        [[r["a"] for r in vals], [r["b"] for r in vals], [r["decision"] for r in vals],
                         [r["note"] for r in vals], [r["row"] for r in vals]])
            # how the run saw the pair when it was reviewed (strata of `evaluate --labels`)
            clusters = "clusters" if _exists(con, "clusters") else "(SELECT NULL AS record_id, NULL AS cluster_id)"
            weights = ("(SELECT least(unique_id_l, unique_id_r) AS a, greatest(unique_id_l, unique_id_r) AS b, "
                       "max(match_weight) AS w FROM predictions GROUP BY ALL)" if _exists(con, "predictions")
                       else "(SELECT NULL AS a, NULL AS b, NULL::DOUBLE AS w)")
            con.execute(f"""INSERT INTO labels
                SELECT n.a, n.b, n.decision, n.note, ?, n.row, now(),
                       cx.cluster_id IS NOT NULL AND cx.cluster_id = cy.cluster_id, p.w
                FROM _pl_new_labels n LEFT JOIN {clusters} cx ON cx.record_id = n.a
                LEFT JOIN {clusters} cy ON cy.record_id = n.b LEFT JOIN {weights} p ON p.a = n.a AND p.b = n.b
                ORDER BY n.row""", [str(path.resolve())])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    result.stored = len(new) - len(superseded)
    result.replaced = len(superseded)
    for r in new.values():
        result.by_decision[r["decision"]] = result.by_decision.get(r["decision"], 0) + 1
    return result


def chain_contradictions(decided: dict[tuple[str, str], str], where: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Non-match decisions between records that match decisions join (a-x match, x-b match, a-b non-match)."""
    from paperlink.clusters.constraints import _UnionFind

    uf = _UnionFind()
    adjacency: dict[str, list[str]] = {}
    for (a, b), d in decided.items():
        if d == "match":
            uf.union(a, b)
            adjacency.setdefault(a, []).append(b)
            adjacency.setdefault(b, []).append(a)
    out = []
    for (a, b), d in sorted(decided.items()):
        if d == "non-match" and a in uf.parent and b in uf.parent and uf.find(a) == uf.find(b):
            chain = " - ".join(_path(adjacency, a, b))
            src = (where or {}).get((a, b), "stored decision")
            out.append(f"{src}: non-match for {a} / {b}, but match decisions join them ({chain})")
    return out


def _path(adjacency: dict[str, list[str]], a: str, b: str) -> list[str]:
    prev = {a: None}
    todo = [a]
    while todo:
        x = todo.pop(0)
        if x == b:
            break
        for y in sorted(adjacency.get(x, [])):
            if y not in prev:
                prev[y] = x
                todo.append(y)
    path, x = [], b
    while x is not None:
        path.append(x)
        x = prev.get(x)
    return path[::-1]


def summary_json(result: ImportResult) -> str:
    return json.dumps(result.as_dict(), indent=2)

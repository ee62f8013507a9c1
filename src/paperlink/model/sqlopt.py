"""Comparison vectors computed once per pair: common subexpressions hoisted out of Splink's CASEs.

Splink turns each comparison into ``CASE WHEN <level 1> THEN .. WHEN <level 2> THEN .. END``.
paperlink's levels repeat an expensive call from level to level (the IDF-weighted title overlap
in four levels, the author overlap in three, the abstract intersection in two), and DuckDB
neither hoists common subexpressions out of a CASE nor caches macro results, so a pair that
falls through to the last level computes the same overlap up to four times.  Every pair of u
sampling, EM and prediction pays this.

:class:`HoistingDuckDBAPI` is Splink's ``DuckDBAPI`` with one change: before a query that
computes comparison vectors runs, each call that occurs at least twice in one comparison's
levels (same text, e.g. ``pl_overlap(author_surnames_l, author_surnames_r)``) is computed once
in a projection under the CASE, and the CASE reads that column.  The settings, the model JSON
and every result stay exactly the same (the calls are deterministic; they are only evaluated
for rows where an earlier level already decided, which costs little and cannot fail: DuckDB's
division by zero is not an error).  A query it does not recognise runs unchanged.
"""

from __future__ import annotations

import re

from splink.internals.duckdb.database_api import DuckDBAPI

# Calls whose value changes from one evaluation to the next must not be shared.
_VOLATILE = {"random", "uuid", "gen_random_uuid", "uuidv4", "uuidv7", "now", "current_timestamp", "nextval", "setseed"}
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\s*\(")
_CV_SELECT = re.compile(
    r"(?P<select>\bselect\b)(?P<body>(?:(?!\bselect\b).)*?\bas\s+gamma_\w+(?:(?!\bselect\b).)*?)"
    r"(?P<from>\bfrom\s+)(?P<src>[A-Za-z_][A-Za-z0-9_]*)(?=\s*(?:\)|$|\bwhere\b))",
    re.S | re.I)


def _calls(sql: str) -> list[str]:
    """Every function call in ``sql`` (nested ones too), as written."""
    out = []
    for m in _CALL.finditer(sql):
        if m.start() and (sql[m.start() - 1].isalnum() or sql[m.start() - 1] in "_.\"'"):
            continue
        if _in_string(sql, m.start()):
            continue
        depth, i, quote = 0, m.end() - 1, None
        while i < len(sql):
            ch = sql[i]
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    out.append(sql[m.start():i + 1])
                    break
            i += 1
    return out


def _in_string(sql: str, pos: int) -> bool:
    return sql[:pos].count("'") % 2 == 1


def shared_calls(settings: dict) -> list[str]:
    """Per comparison, the outermost calls that occur at least twice among its levels."""
    chosen: list[str] = []
    for comparison in settings.get("comparisons", []):
        conditions = [lv.get("sql_condition", "") for lv in comparison.get("comparison_levels", [])
                      if lv.get("sql_condition", "").strip().upper() != "ELSE"]
        text = "\n".join(conditions)
        counts: dict[str, int] = {}
        for cond in conditions:
            for call in _calls(cond):
                counts[call] = counts.get(call, 0) + 1
        picked: list[str] = []
        for call in sorted(counts, key=len, reverse=True):
            name = call.split("(", 1)[0].strip().lower()
            if counts[call] < 2 or name in _VOLATILE or any(call in p for p in picked):
                continue
            if any(v + "(" in call.lower().replace(" ", "") for v in _VOLATILE):
                continue
            if _free_lambda_variables(call, text):
                continue  # inside a lambda body: its value depends on the list element
            picked.append(call)
        chosen += [c for c in picked if c not in chosen and c in text]
    return chosen


_LAMBDA = re.compile(r"\blambda\s+([A-Za-z_][\w\s,]*):|\b([A-Za-z_]\w*)\s*->(?!>)")


def _free_lambda_variables(call: str, text: str) -> bool:
    """Whether ``call`` uses a lambda parameter of ``text`` that it does not bind itself."""
    params = {v.strip() for m in _LAMBDA.finditer(text) for v in (m.group(1) or m.group(2)).split(",") if v.strip()}
    bound = {v.strip() for m in _LAMBDA.finditer(call) for v in (m.group(1) or m.group(2)).split(",") if v.strip()}
    return any(re.search(rf"(?<![\w.]){re.escape(v)}\b", call) for v in params - bound)


def _pattern(call: str) -> re.Pattern:
    return re.compile(r"(?<![\w.\"])" + re.escape(call))


def hoist(sql: str, calls: list[str]) -> str:
    """``sql`` with the shared ``calls`` of every comparison-vector SELECT computed once."""
    if not calls or "gamma_" not in sql:
        return sql
    patterns = [(c, _pattern(c)) for c in calls]

    def rewrite(m: re.Match) -> str:
        body = m.group("body")
        used = [(c, p) for c, p in patterns if len(p.findall(body)) >= 2]
        if not used:
            return m.group(0)
        cols = []
        for k, (call, pattern) in enumerate(used, 1):
            alias = f"__pl_shared_{k}"
            body = pattern.sub(alias, body)
            cols.append(f"{call} AS {alias}")
        src = m.group("src")
        return (f"{m.group('select')}{body}{m.group('from')}"
                f"(SELECT *, {', '.join(cols)} FROM {src}) AS {src}")

    return _CV_SELECT.sub(rewrite, sql)


class HoistingDuckDBAPI(DuckDBAPI):
    """Splink's DuckDBAPI computing each comparison's shared calls once per pair (see module doc)."""

    def __init__(self, connection, calls: list[str], **kwargs):
        super().__init__(connection, **kwargs)
        self._shared_calls = list(calls)

    def _execute_sql_against_backend(self, final_sql: str):
        return super()._execute_sql_against_backend(hoist(final_sql, self._shared_calls))

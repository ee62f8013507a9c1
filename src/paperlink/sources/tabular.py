"""Any table (CSV or Parquet) with a column mapping, e.g. the labelled benchmarks.

``columns`` maps canonical fields to the file's column names (``{title = "title", authors =
"authors", source_id = "id"}``).  A string author column is split into names on ``;``, `` and ``,
``&`` or, failing those, on commas between full names; a list column is taken as is.
"""

from __future__ import annotations

from paperlink.sources.base import (
    BATCH_ROWS,
    RAW_SCHEMA,
    CANONICAL_FIELDS,
    FileSample,
    InputFileError,
    SourceFormat,
    _first_line,
    _sql_str,
    batch,
)

SPLIT_AUTHORS = "pl_split_authors({})"


class _Table(SourceFormat):
    reader: str
    detect_priority = 90

    def projection_for(self, spec) -> dict[str, str]:
        if not spec.columns:
            raise InputFileError(f"source {spec.name!r}: format {self.name} needs a `columns` mapping")
        projection = {}
        for field, column in spec.columns.items():
            if field not in CANONICAL_FIELDS:
                raise InputFileError(
                    f"source {spec.name!r}: columns.{field} is not a canonical field "
                    f"(known: {', '.join(CANONICAL_FIELDS)})"
                )
            ref = "j->>" + _sql_str("$." + '"' + str(column).replace('"', '') + '"')
            if field == "authors":
                raw = "j->" + _sql_str("$." + '"' + str(column).replace('"', '') + '"')
                projection[field] = (
                    f"CASE WHEN json_type({raw}) = 'ARRAY' THEN json_extract_string({raw}, '$[*]') "
                    f"ELSE {SPLIT_AUTHORS.format(ref)} END"
                )
            elif field in ("urls", "other_ids"):
                projection[field] = f"string_split({ref}, ' ')"
            elif field == "year":
                projection[field] = f"pl_year({ref})"
            else:
                projection[field] = ref
        return projection

    def raw_items(self, con, path):
        sql = f"SELECT row_number() OVER () AS position, to_json(t)::VARCHAR AS raw, NULL AS error FROM {self.reader.format(_sql_str(path))} t"
        try:
            reader = con.cursor().sql(sql).to_arrow_reader(BATCH_ROWS)
            for rb in reader:
                yield rb.cast(RAW_SCHEMA)
        except Exception as exc:  # duckdb.Error: a file the reader cannot parse
            yield batch([1], [None], [f"unreadable {self.name} file: {_first_line(exc)}"])


class Csv(_Table):
    name = "csv"
    description = "CSV/TSV with a column mapping"
    reader = "read_csv({}, all_varchar = true, header = true, store_rejects = false)"

    def detect(self, sample: FileSample) -> bool:
        return sample.path.name.lower().removesuffix(".gz").endswith((".csv", ".tsv"))


class Parquet(_Table):
    name = "parquet"
    description = "Parquet with a column mapping"
    reader = "read_parquet({})"

    def detect(self, sample: FileSample) -> bool:
        return sample.path.suffix.lower() == ".parquet"

"""Writing tables for people to open in Excel or WPS: xlsx (XlsxWriter) and CSV (UTF-8 with BOM).

Every text cell passes through `escape_cell`: a cell starting with = + - @, tab or carriage
return gets a leading apostrophe, so no spreadsheet program runs it as a formula (CSV
injection). XlsxWriter additionally runs with strings_to_formulas=False (and no URL or number
guessing), so even an unescaped string would be stored as text. Large exports stream: CSV row by
row, xlsx in XlsxWriter's constant-memory mode to a temporary file.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_MAX_CELL = 32767


def escape_cell(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would read as a formula."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell_value(value):
    """A Python value as written to a cell: numbers stay numbers, everything else escaped text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return escape_cell(str(value))


def csv_cell(value) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    value = cell_value(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    headers: Sequence[str], rows: Iterable[Sequence], *, bom: bool = True
) -> Iterator[str]:
    """A CSV file, line by line (for StreamingHttpResponse or a file)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    first = writer.writerow([csv_cell(h) for h in headers])
    yield ("\ufeff" + first) if bom else first
    for row in rows:
        yield writer.writerow([csv_cell(v) for v in row])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return "".join(csv_lines(headers, rows)).encode("utf-8")


def workbook_options(constant_memory: bool = False) -> dict:
    return {
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": constant_memory,
        "in_memory": not constant_memory,
    }


def write_sheet(workbook, name: str, headers: Sequence[str], rows: Iterable[Sequence]) -> int:
    """One sheet with a bold header row; returns the number of data rows written."""
    sheet = workbook.add_worksheet(name[:31])
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(cell_value(header))[:XLSX_MAX_CELL], bold)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 2)), text)
    count = 0
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            value = cell_value(value)
            if isinstance(value, int | float):
                sheet.write_number(r, col, value)
            elif value != "":
                sheet.write_string(r, col, value[:XLSX_MAX_CELL])
        count += 1
    sheet.freeze_panes(1, 0)
    return count


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A small workbook in memory: [(sheet name, headers, rows), ...]."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, workbook_options())
    for name, headers, rows in sheets:
        write_sheet(workbook, name, headers, rows)
    workbook.close()
    return buffer.getvalue()


def xlsx_tempfile(name: str, headers: Sequence[str], rows: Iterable[Sequence]):
    """A large workbook written in constant memory to a temporary file: (file, row count).
    The file is open for reading at position 0 and is removed when closed."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the caller closes it
    workbook = xlsxwriter.Workbook(handle.name, workbook_options(constant_memory=True))
    count = write_sheet(workbook, name, headers, rows)
    workbook.close()
    handle.seek(0)
    return handle, count

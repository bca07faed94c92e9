"""Reading uploaded tables: xlsx through python-calamine, CSV through the stdlib csv module.

Guards run before any parser sees the bytes: the file size, and for xlsx (a zip) the number of
members, their total uncompressed size and compression ratio (zip bombs). CSV is decoded as UTF-8
(with or without BOM) and falls back to GB18030; the delimiter is sniffed. Every failure raises
`ImportFileError` with a translated message; nothing else escapes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

MiB = 1024 * 1024


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_file_bytes() -> int:
    return limit("SALESDESK_IMPORT_MAX_BYTES", 20 * MiB)


def max_rows() -> int:
    return limit("SALESDESK_IMPORT_MAX_ROWS", 1_000_000)


def max_cell_chars() -> int:
    return limit("SALESDESK_IMPORT_MAX_CELL_CHARS", 10_000)


def max_uncompressed_bytes() -> int:
    return limit("SALESDESK_IMPORT_MAX_UNCOMPRESSED_BYTES", 400 * MiB)


def max_compression_ratio() -> int:
    return limit("SALESDESK_IMPORT_MAX_COMPRESSION_RATIO", 200)


MAX_ZIP_MEMBERS = 2000
MAX_COLUMNS = 500


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `message` is translated and meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


@dataclass
class Table:
    """A read table: the header cells and the data rows as strings, with spreadsheet row numbers."""

    format: str  # "xlsx" or "csv"
    encoding: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number as shown in a spreadsheet, cells)


def cell_text(value) -> str:
    """A cell as text: integral floats without '.0', dates as YYYY-MM-DD, the rest str()."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def detect_format(data: bytes, file_name: str) -> str:
    name = (file_name or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise ImportFileError(
            _("Old Excel files (.xls) are not supported. Save the file as .xlsx or CSV.")
        )
    return "csv"


def check_size(size: int) -> None:
    if size <= 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_file_bytes():
        raise ImportFileError(
            _("The file is too large (%(size)s MiB); the limit is %(limit)s MiB.")
            % {"size": f"{size / MiB:.1f}", "limit": f"{max_file_bytes() / MiB:.0f}"}
        )


def check_zip(data: bytes) -> None:
    """Refuse zip bombs before the xlsx parser inflates anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportFileError(_("The file is not a valid xlsx workbook.")) from None
    if not members or len(members) > MAX_ZIP_MEMBERS:
        raise ImportFileError(_("The file is not a valid xlsx workbook."))
    total = sum(m.file_size for m in members)
    compressed = sum(m.compress_size for m in members)
    ratio_limit = max_compression_ratio()
    if total > max_uncompressed_bytes() or total > max(compressed, 1) * ratio_limit:
        raise ImportFileError(
            _("The workbook unpacks to too much data. It may be damaged or a zip bomb.")
        )
    for member in members:
        if member.file_size > max(member.compress_size, 1) * ratio_limit and member.file_size > MiB:
            raise ImportFileError(
                _("The workbook unpacks to too much data. It may be damaged or a zip bomb.")
            )


def _trim(
    rows: Iterator[list], max_data_rows: int
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header = the first row with any text; data rows after it, blank rows dropped."""
    headers: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(rows, start=1):
        # NUL characters cannot be stored (PostgreSQL refuses them) and are never meant.
        cells = [v if type(v) is str else cell_text(v) for v in raw]
        if any("\x00" in c for c in cells):
            cells = [c.replace("\x00", "") for c in cells]
        if len(cells) > MAX_COLUMNS:
            if any(c.strip() for c in cells[MAX_COLUMNS:]):
                raise ImportFileError(
                    _("The file has more than %(limit)s columns.") % {"limit": MAX_COLUMNS}
                )
            cells = cells[:MAX_COLUMNS]
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers = [c.strip() for c in cells]
            continue
        data.append((number, cells))
        if len(data) > max_data_rows:
            raise ImportFileError(
                _("The file has more than %(limit)s rows. Split it into smaller files.")
                % {"limit": f"{max_data_rows:,}"}
            )
    if headers is None:
        raise ImportFileError(_("The file has no header row."))
    return headers, data


def read_xlsx(data: bytes) -> Table:
    check_zip(data)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ImportFileError(_("The workbook has no sheets."))
        sheet = workbook.get_sheet_by_index(0)
        headers, rows = _trim(sheet.iter_rows(), max_rows())
    except ImportFileError:
        raise
    except Exception:  # calamine raises its own error types for every kind of damage
        raise ImportFileError(_("The file is not a valid xlsx workbook.")) from None
    return Table("xlsx", "", headers, rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with BOM, UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file starts as UTF-8 but contains bytes that are not UTF-8.")
            ) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The text encoding was not recognised. Save the file as UTF-8 or GB18030 CSV.")
        ) from None


def sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise ImportFileError(_("The file contains binary data; it is not a CSV file."))
    delimiter = sniff_delimiter(text)
    cell_limit = max(max_cell_chars() * 4, 131072)
    csv.field_size_limit(cell_limit)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers, rows = _trim(reader, max_rows())
    except csv.Error:
        raise ImportFileError(
            _("The CSV file could not be read: a cell is too long or quotes do not match.")
        ) from None
    return Table("csv", encoding, headers, rows)


def read_table(data: bytes, file_name: str = "") -> Table:
    check_size(len(data))
    kind = detect_format(data, file_name)
    return read_xlsx(data) if kind == "xlsx" else read_csv(data)

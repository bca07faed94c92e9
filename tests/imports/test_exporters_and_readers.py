"""Formula escaping (property test), readers' encodings and guards."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from salesdesk.imports.exporters import FORMULA_TRIGGERS, csv_bytes, escape_cell, xlsx_bytes
from salesdesk.imports.readers import ImportFileError, read_table

texts = st.text(max_size=40) | st.builds(
    lambda t, s: t + s, st.sampled_from(FORMULA_TRIGGERS), st.text(max_size=20)
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(texts, min_size=1, max_size=5))
def test_exported_cells_never_start_a_formula_and_round_trip(values):
    values = [v.replace("\x00", "") for v in values]
    row = ["x", *values]  # a non-empty first cell keeps the row in the sheet
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx_bytes([("s", ["h"] * len(row), [row])])))
    written = book.get_sheet_by_index(0).to_python()[1][1:]
    written = [*written, *[""] * (len(values) - len(written))]
    for original, cell in zip(values, written, strict=False):
        cell = str(cell)
        if original.startswith(FORMULA_TRIGGERS):
            assert cell == "'" + original
        else:
            assert not cell.startswith(FORMULA_TRIGGERS) or cell == original
            assert cell == original
        assert escape_cell(original)[1 if original.startswith(FORMULA_TRIGGERS) else 0 :] == (
            original
        )
    text = csv_bytes(["h"], [values]).decode("utf-8")
    assert text.startswith("\ufeff")
    table = read_table(csv_bytes(["h"] * len(row), [row]), "x.csv")
    if table.rows:
        for original, cell in zip(values, table.rows[0][1][1:], strict=False):
            assert not cell.startswith(FORMULA_TRIGGERS)
            expected = ("'" + original) if original.startswith(FORMULA_TRIGGERS) else original
            assert cell == expected


@pytest.mark.parametrize(
    "encoding, name", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")]
)
def test_csv_encodings_and_sniffed_delimiters(encoding, name):
    for sep in (",", ";", "\t"):
        data = sep.join(["客户名称", "电话"]) + "\r\n" + sep.join(["北京星辰", "010-1"]) + "\r\n"
        table = read_table(data.encode(encoding), "a.csv")
        assert (table.encoding, table.headers, table.rows) == (
            name,
            ["客户名称", "电话"],
            [(2, ["北京星辰", "010-1"])],
        )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def test_zip_bombs_big_files_and_junk_are_refused(settings):
    bomb = _zip({"xl/worksheets/sheet1.xml": b"0" * (50 * 1024 * 1024)})
    with pytest.raises(ImportFileError, match="zip bomb"):
        read_table(bomb, "bomb.xlsx")
    settings.SALESDESK_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="too large"):
        read_table(b"a,b\n" * 100, "big.csv")
    settings.SALESDESK_IMPORT_MAX_BYTES = 20 * 1024 * 1024
    for data, name, message in [
        (b"", "x.csv", "empty"),
        (b"PK\x03\x04garbage", "x.xlsx", "not a valid xlsx"),
        (_zip({"a.txt": b"x"}), "x.xlsx", "not a valid xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "x.xls", "Old Excel"),
        (b"a,b\x00c\n", "x.csv", "binary"),
    ]:
        with pytest.raises(ImportFileError, match=message):
            read_table(data, name)
    settings.SALESDESK_IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        read_table(b"h\n1\n2\n3\n4\n", "rows.csv")

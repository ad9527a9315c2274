"""Cells of a report or summary sheet keep the style of their kind of value when most of them get a
copy of an earlier cell's style (formatters/xlsx._sheet): fill by severity, number formats, dates,
wrapping, in every row, after a save and a load."""
import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from checker.formatters import xlsx


def _saved(rows, formats):
    wb = Workbook()
    wb.remove(wb.active)
    xlsx._sheet(wb, "s", ["a", "b", "c", "d", "e", "f", "g", "h"], rows, [10] * 8, formats)
    return load_workbook(io.BytesIO(xlsx.workbook_bytes(wb)))["s"]


def test_each_cell_keeps_the_style_of_its_kind_of_value():
    kinds = [xlsx.Key("错误", "error"), 12.5, dt.date(2026, 3, 1), "长文本", None, True,
             xlsx.Key("提示", "info"), xlsx.Key("无色", "no such key")]
    rows = [kinds, list(reversed(kinds)), kinds]
    ws = _saved(rows, {1: xlsx.MONEY, 6: xlsx.PERCENT})
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c)
            where = f"row {r} column {c} ({v!r})"
            fill = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
            want_fill = xlsx.FILLS.get(getattr(v, "key", None))
            assert (fill or "")[-6:] == (want_fill or ""), where
            if isinstance(v, float):
                assert cell.number_format == ({2: xlsx.MONEY, 7: xlsx.PERCENT}.get(c) or "General"), where
            elif isinstance(v, dt.date):
                assert cell.number_format == xlsx.DATE, where
            else:
                assert cell.number_format == "General", where
            assert bool(cell.alignment.wrap_text) == isinstance(v, str), where
            assert cell.alignment.vertical == "top", where
    header = ws.cell(1, 1)
    assert header.font.b and header.fill.fgColor.rgb.endswith(xlsx.HEADER_FILL)
    assert not ws.cell(2, 1).font.b     # a row cell does not take the header's bold

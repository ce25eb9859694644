"""One A6 page: the holder's facts in native script and Latin, the card number, the QR.

fpdf2 embeds a Unicode TrueType font (DejaVu Sans from Debian's fonts-dejavu-core by
default, ONBOARD_PDF_FONT to change it) so Cyrillic and Latin names print as written. The
QR is 62 mm wide, far above what phone scanners need for a version-14 code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF

from service.core.errors import OnboardError

QR_MM = 62.0


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


def render(facts: PrintFacts, *, font: Path) -> bytes:
    if not font.is_file():
        raise FontMissing(f"the font {font} is not installed (Debian: fonts-dejavu-core)")
    pdf = FPDF(format=(105, 148), unit="mm")  # A6
    pdf.set_auto_page_break(False)
    pdf.set_margins(8, 8, 8)
    pdf.add_page()
    pdf.add_font("card", "", str(font))
    pdf.set_title(f"E-card {facts.number}")
    pdf.set_font("card", size=9)
    pdf.cell(
        0,
        5,
        "Электронная миграционная карта / Electronic migration card",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("card", size=16)
    pdf.cell(0, 9, facts.number, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("card", size=10)
    rows = [
        ("Имя / Name", facts.native_name),
        ("Латиницей / Latin", facts.latin_name),
        ("Дата рождения / Born", facts.date_of_birth.isoformat() if facts.date_of_birth else "—"),
        ("Гражданство / Citizenship", facts.citizenship),
        ("Документ / Document", facts.document),
        ("Цель / Purpose", facts.purpose),
        ("Пребывание до / Stay until", facts.stay_until.isoformat()),
        ("Статус / Status", facts.status),
    ]
    for label, value in rows:
        pdf.set_font("card", size=7)
        pdf.cell(0, 3.5, label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("card", size=10)
        pdf.multi_cell(0, 4.5, value, new_x="LMARGIN", new_y="NEXT")
    x = (pdf.w - QR_MM) / 2
    pdf.image(io.BytesIO(facts.qr_png), x=x, y=pdf.h - QR_MM - 14, w=QR_MM, h=QR_MM)
    pdf.set_xy(8, pdf.h - 12)
    pdf.set_font("card", size=7)
    pdf.multi_cell(
        0,
        3,
        "QR действителен до / QR valid until "
        f"{facts.qr_expires:%Y-%m-%d %H:%M} UTC. Проверка: /officer",
        align="C",
    )
    return bytes(pdf.output())

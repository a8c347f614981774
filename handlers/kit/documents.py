"""Word documents of the end of practice: characteristic, evaluation and grade sheets, certificate.

Editable .docx (python-docx), with the signature and stamp lines a Kazakh school or university
files them with. Every word on them arrives already translated (the conversation knows the
reader's language), so this module holds layout only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as Word
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

FONT = "Times New Roman"  # what Kazakh education offices expect on paper
FONT_SIZE = Pt(12)


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: "Mentor ____________ A. Name", and the stamp place if any."""

    role: str
    name: str
    stamp: str | None = None  # "М.О." / "М.П." beside a school's or university's signature


@dataclass(frozen=True, slots=True)
class Letter:
    """A characteristic (МІНЕЗДЕМЕ / ХАРАКТЕРИСТИКА) or a certificate of mentoring."""

    title: str
    facts: Sequence[tuple[str, str]]  # (label, value): student, programme, school, period
    body: str  # the signed text; paragraphs separated by blank lines
    signatures: Sequence[Signature]
    date_line: str


@dataclass(frozen=True, slots=True)
class GradeSheet:
    """A group grade sheet, or one student's evaluation sheet (rubric rows, then notes)."""

    title: str
    facts: Sequence[tuple[str, str]]  # practice kind, period, group
    columns: Sequence[str]  # No., student, …, mark, letter
    rows: Sequence[Sequence[str]]
    signatures: Sequence[Signature]
    date_line: str
    notes: Sequence[tuple[str, str]] = ()  # (label, text) under the table: strengths, …


def letter_docx(document: Letter) -> bytes:
    word = _new_document()
    _heading(word, document.title)
    _facts(word, document.facts)
    for paragraph in document.body.split("\n\n"):
        if paragraph.strip():
            word.add_paragraph(paragraph.strip()).paragraph_format.first_line_indent = Pt(28)
    _signatures(word, document.signatures, document.date_line)
    return _saved(word)


def grade_sheet_docx(sheet: GradeSheet) -> bytes:
    word = _new_document()
    _heading(word, sheet.title)
    _facts(word, sheet.facts)
    table = word.add_table(rows=1, cols=len(sheet.columns))
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, sheet.columns, strict=True):
        cell.text = label
        cell.paragraphs[0].runs[0].bold = True
    for row in sheet.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    if sheet.notes:
        word.add_paragraph()
        _facts(word, sheet.notes)
    _signatures(word, sheet.signatures, sheet.date_line)
    return _saved(word)


def _new_document() -> Word:
    word = Document()
    style = word.styles["Normal"]
    style.font.name = FONT
    style.font.size = FONT_SIZE
    return word


def _heading(word: Word, title: str) -> None:
    heading = word.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold = True
    run.font.size = Pt(14)


def _facts(word: Word, facts: Sequence[tuple[str, str]]) -> None:
    for label, value in facts:
        line = word.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)


def _signatures(word: Word, signatures: Sequence[Signature], date_line: str) -> None:
    word.add_paragraph()
    for signature in signatures:
        line = word.add_paragraph(f"{signature.role} ____________________ {signature.name}")
        if signature.stamp:
            line.add_run(f"        {signature.stamp}")
    word.add_paragraph(date_line)


def _saved(word: Word) -> bytes:
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()

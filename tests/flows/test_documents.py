"""The Word documents of the end of practice open in Word's own format and say what they should."""

from __future__ import annotations

import io

from docx import Document

from handlers.kit.documents import GradeSheet, Letter, Signature, grade_sheet_docx, letter_docx

CHARACTERISTIC = Letter(
    title="МІНЕЗДЕМЕ",
    facts=(("Студент", "Айгерім Бекова"), ("Мектеп", "№7 мектеп-гимназия")),
    body="Айгерім сабақты жақсы жоспарлайды.\n\nОқушылармен тіл табыса біледі.",
    signatures=(
        Signature("Тәлімгер", "Г. Сапарова"),
        Signature("Мектеп директоры", "Е. Нұрланов", stamp="М.О."),
    ),
    date_line="25.12.2026",
)


def opened(data: bytes) -> Document:  # type: ignore[valid-type]
    return Document(io.BytesIO(data))


def test_a_characteristic_has_its_facts_text_and_signature_lines() -> None:
    word = opened(letter_docx(CHARACTERISTIC))
    lines = [paragraph.text for paragraph in word.paragraphs]  # type: ignore[attr-defined]
    assert lines[0] == "МІНЕЗДЕМЕ"
    assert "Студент: Айгерім Бекова" in lines
    assert "Оқушылармен тіл табыса біледі." in lines  # one paragraph per blank-line block
    assert any(line.startswith("Тәлімгер ____") and "Г. Сапарова" in line for line in lines)
    assert any("Мектеп директоры" in line and line.endswith("М.О.") for line in lines)
    assert lines[-1] == "25.12.2026"


def test_a_grade_sheet_is_an_editable_table_of_every_student() -> None:
    rows = [(str(n), f"Студент {n}", str(50 + n), "D") for n in range(1, 31)]
    sheet = GradeSheet(
        title="ВЕДОМОСТЬ",
        facts=(("Практика", "педагогическая практика"),),
        columns=("№", "Студент", "Оценка", "Буква"),
        rows=rows,
        signatures=(Signature("Координатор практики", "А. Ким", stamp="М.П."),),
        date_line="25.12.2026",
    )
    word = opened(grade_sheet_docx(sheet))
    [table] = word.tables  # type: ignore[attr-defined]
    assert [cell.text for cell in table.rows[0].cells] == ["№", "Студент", "Оценка", "Буква"]
    assert len(table.rows) == 31
    assert [cell.text for cell in table.rows[30].cells] == ["30", "Студент 30", "80", "D"]

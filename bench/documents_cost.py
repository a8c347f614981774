"""Cost of the end-of-practice Word documents: 400 characteristics and a 400-row grade sheet.

Prints the time and the peak memory (tracemalloc) of each, against an empty document written
in the same run as the baseline.

    .venv/bin/python bench/documents_cost.py [--students 400]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.kit.documents import GradeSheet, Letter, Signature, grade_sheet_docx, letter_docx

BODY = (
    "Студент {n} педагогикалық практиканы №7 мектеп-гимназияда өтті. Сабақтарды мұқият"
    " жоспарлайды, оқушылармен тіл табыса біледі, сабақта цифрлық ресурстарды орынды"
    " пайдаланады.\n\nДамыту қажет: уақытты бөлу, сараланған тапсырмалар.\n\n"
    "Ұсынылатын баға: 92 (A−)."
)
SIGNATURES = (
    Signature("Тәлімгер", "Г. Сапарова"),
    Signature("Мектеп директоры", "Е. Нұрланов", stamp="М.О."),
)


def characteristic(n: int) -> Letter:
    return Letter(
        title="МІНЕЗДЕМЕ",
        facts=(("Студент", f"Студент {n}"), ("Мектеп", "№7 мектеп-гимназия")),
        body=BODY.format(n=n),
        signatures=SIGNATURES,
        date_line="25.12.2026",
    )


def measured(work: Callable[[], object]) -> tuple[float, float]:
    """(seconds, peak MiB) of `work`: timed alone, then run again under tracemalloc."""
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def main(students: int) -> None:
    empty = Letter("", (), "", (), "")
    letter_docx(empty)  # imports and templates loaded once, outside the figures
    baseline, baseline_peak = measured(lambda: letter_docx(empty))
    many, many_peak = measured(lambda: [letter_docx(characteristic(n)) for n in range(students)])
    # (the peak holds all the files at once, as a zip of them would)
    sheet = GradeSheet(
        title="ВЕДОМОСТЬ",
        facts=(("Практика", "педагогическая практика"), ("Группа", "МАТ-41")),
        columns=("№", "Студент", "Образовательная программа", "Оценка", "Буква"),
        rows=[(str(n), f"Студент {n}", "6B01501 Математика", "88", "B+") for n in range(students)],
        signatures=(Signature("Координатор практики", "А. Ким", stamp="М.П."),),
        date_line="25.12.2026",
    )
    table, table_peak = measured(lambda: grade_sheet_docx(sheet))
    print(f"empty document (baseline): {baseline * 1000:.1f} ms, peak {baseline_peak:.1f} MiB")
    print(
        f"{students} characteristics: {many:.2f} s ({many / students * 1000:.1f} ms each,"
        f" {many / students / baseline:.1f}x the baseline), peak {many_peak:.1f} MiB"
    )
    print(
        f"grade sheet of {students} rows: {table:.2f} s ({table / baseline:.0f}x the baseline),"
        f" peak {table_peak:.1f} MiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=400)
    main(parser.parse_args().students)

"""The deployment's side: config errors are one clear line, the CLI imports and invites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings
from bot.storage import SQLiteStorage
from db import Database
from db.domain.models import Role

ROOT = Path(__file__).resolve().parents[2]
GOOD_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ_012345"


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
    environment["PYTHONPATH"] = str(ROOT)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


class Outcome:
    def __init__(self, returncode: int, captured: pytest.CaptureResult[str]) -> None:
        self.returncode = returncode
        self.stdout = captured.out
        self.stderr = captured.err


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    capsys.readouterr()
    code = main(list(args))
    return Outcome(code, capsys.readouterr())


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "",
            "no bot token: set [telegram] token in config.toml or the BOT_TOKEN environment variable",
        ),
        ("[telegram\ntoken='x'", "is not valid TOML"),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[bot]\ndefault_locale="de"\n',
            "[bot] default_locale: 'de' is not one of kk, ru, en",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[bot]\ntimezone="Asia/Semey"\n',
            "[bot] timezone: unknown time zone 'Asia/Semey'",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[bot]\ntimezon="Asia/Almaty"\n',
            "unknown key [bot] timezon",
        ),
        ('[telegram]\ntoken="not-a-token"\n', "[telegram] token does not look like a bot token"),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[bot]\nadmins=["me"]\n',
            "[bot] admins must be a list of Telegram user ids",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\napi_base="localhost:8081"\n',
            "[telegram] api_base: must be an http:// or https:// URL",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\nlocal_mode="yes"\n',
            "[telegram] local_mode: must be true or false",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[memoranda]\nwarn_days=0\n',
            "[memoranda] warn_days: must be a whole number from 1 to 730",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[placements]\nround_choices=21\n',
            "[placements] round_choices: must be a whole number from 1 to 20",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[webhook]\nurl="https://bot.example.kz/t"\n',
            "[webhook] secret is required with url",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[webhook]\nurl="http://bot.example.kz/t"\n',
            "[webhook] url: must be an https:// URL",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[monitoring]\nlisten="9090"\n',
            "[monitoring] listen: must be host:port",
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[backup]\nat="25:00"\n',
            '[backup] at: must be a time of day like "03:00", or "off"',
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[logging]\nformat="xml"\n',
            '[logging] format: must be "text" or "json"',
        ),
        (
            f'[telegram]\ntoken="{GOOD_TOKEN}"\n[[placements.documents]]\nkey="Medical Book"\n'
            'name="x"\n',
            "[[placements.documents]] number 1: key must be up to 20 lowercase latin letters",
        ),
    ],
)
def test_bad_config_is_one_clear_line(
    tmp_path: Path, config: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "config.toml", config)
    assert main(["--config", str(path)]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], lines


def test_missing_token_is_one_line_from_a_real_process(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "seriktes: no bot token: set [telegram] token in config.toml or the BOT_TOKEN environment variable"
    )


def test_token_from_the_environment_wins(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[bot]\nadmins=[42]\n")
    settings = load_settings(path, {"BOT_TOKEN": GOOD_TOKEN})
    assert settings.telegram.token == GOOD_TOKEN
    assert settings.bot.admins == frozenset({42})
    assert settings.bot.timezone == "Asia/Almaty"
    assert settings.database.path == Path("seriktes.db")


def test_explicit_config_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", {})


CSV_GOOD = """code;kind;name_kk;name_ru;name_en;city;region;address;latitude;longitude
SHU;university;Шәкәрім университеті;Университет Шакарима;Shakarim University;Семей;Абай облысы;Глинки к., 20А;50.4111;80.2275
S7;school;№7 мектеп-гимназия;Школа-гимназия №7;;Семей;Абай облысы;;;
K12;kindergarten;№12 «Балдырған» балабақшасы;Детский сад №12 «Балдырган»;;Семей;;;;
"""


def test_import_orgs_then_invite_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "orgs.csv", CSV_GOOD)
    config = write(tmp_path / "config.toml", f'[database]\npath="{tmp_path / "s.db"}"\n')
    imported = run_main(capsys, "--config", str(config), "import-orgs", str(tmp_path / "orgs.csv"))
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 organizations: 3 new, 0 updated" in imported.stdout
    again = run_main(capsys, "--config", str(config), "import-orgs", str(tmp_path / "orgs.csv"))
    assert "0 new, 3 updated" in again.stdout

    invite = run_main(
        capsys, "--config", str(config), "invite", "--role", "mentor", "--org", "S7", "--uses", "5"
    )
    assert invite.returncode == 0, invite.stderr
    code_line = next(line for line in invite.stdout.splitlines() if line.startswith("code: "))
    assert len(code_line.removeprefix("code: ").replace("-", "")) == 20
    assert "/start " in invite.stdout

    wrong = run_main(capsys, "--config", str(config), "invite", "--role", "mentor", "--org", "SHU")
    assert wrong.returncode == 1
    assert "no organization 'SHU' of a kind that fits the role mentor" in wrong.stderr


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (
        CSV_GOOD
        + "X1;shcool;Мектеп;;;Семей;;;;\nX2;school;;;;Семей;;;;\nX3;school;Мектеп;;;Семей;;;91;80\nS7;school;Қайта;;;Семей;;;;\n"
    )
    write(tmp_path / "orgs.csv", bad)
    config = write(tmp_path / "config.toml", f'[database]\npath="{tmp_path / "s.db"}"\n')
    result = run_main(capsys, "--config", str(config), "import-orgs", str(tmp_path / "orgs.csv"))
    assert result.returncode == 1
    assert "line 5: kind: 'shcool' is not one of" in result.stderr
    assert "line 6: name: at least one of name_kk, name_ru, name_en is required" in result.stderr
    assert "line 7: latitude: 91.0 is outside -90..90" in result.stderr
    assert "line 8: code: 'S7' appears twice in the file" in result.stderr
    assert "nothing was imported" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_csv_columns_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "orgs.csv", "kind,name,city\nschool,Мектеп,Семей\n")
    config = write(tmp_path / "config.toml", f'[database]\npath="{tmp_path / "s.db"}"\n')
    result = run_main(capsys, "--config", str(config), "import-orgs", str(tmp_path / "orgs.csv"))
    assert result.returncode == 1
    assert "unknown: name" in result.stderr


async def test_fsm_storage_keeps_only_what_survives_json(db: Database) -> None:
    from aiogram.fsm.storage.base import StorageKey

    storage = SQLiteStorage(db.fsm)
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    await storage.set_state(key, "Registration:code")
    await storage.update_data(key, {"locale": "ru", "role": Role.MENTOR.value})
    fresh = SQLiteStorage(db.fsm)  # another process start: nothing cached
    assert await fresh.get_state(key) == "Registration:code"
    assert await fresh.get_data(key) == {"locale": "ru", "role": "mentor"}
    with pytest.raises(TypeError):
        await storage.set_data(key, {"when": object()})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"Shakarim University"', dict.fromkeys(("kk", "ru", "en"), "Shakarim University")),
        (
            '{ kk = "Шәкәрім университеті", ru = "Университет Шакарима" }',
            {
                "kk": "Шәкәрім университеті",
                "ru": "Университет Шакарима",
                "en": "Шәкәрім университеті",  # a missing language borrows the first given
            },
        ),
    ],
)
def test_the_consent_names_the_configured_operator(
    tmp_path: Path, value: str, expected: dict[str, str]
) -> None:
    config = write(tmp_path / "config.toml", f"[privacy]\noperator = {value}\n")
    assert dict(load_settings(config, {}).privacy.operator) == expected


@pytest.mark.parametrize("value", ['""', '{ de = "Uni" }', "42", '{ kk = "" }'])
def test_a_broken_operator_stops_startup_with_one_line(tmp_path: Path, value: str) -> None:
    config = write(tmp_path / "config.toml", f"[privacy]\noperator = {value}\n")
    with pytest.raises(ConfigError) as problem:
        load_settings(config, {})
    assert "[privacy] operator" in str(problem.value)

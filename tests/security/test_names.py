"""Look-alike and lossy names (issue 11, part 10): usernames follow one rule (NFKC, then ASCII
letters, digits, '.', '_', '-') in the API and the CLI; holder names are NFKC-normalised,
each part in one script, and their Latin form keeps every letter or is refused."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from bench.archive import write_csv
from tests import factories
from tests.harness import cli_env, onboard_cli
from tests.security.harness import Live

CYRILLIC_A = "\u0430"


def _cli(live: Live, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = cli_env(ONBOARD_DATA_DIR=str(live.data_dir), ONBOARD_DATABASE_URL=live.database_url)
    return onboard_cli(*args, env=env, stdin=stdin)


def _user(username: str) -> dict[str, str]:
    return {"username": username, "password": "a long password 1", "role": "officer"}


def _field_errors(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e["field"]: e["reason"] for e in r.json().get("errors", [])}


@pytest.mark.parametrize(
    "username",
    [f"{CYRILLIC_A}dmin", "\u043efficer-user", "ad\u200bmin", "adm\u0131n", "a", "bad name"],
)
def test_the_api_refuses_usernames_outside_the_rule(live: Live, username: str) -> None:
    with live.client() as client:
        r = client.post("/api/v1/users", json=_user(username), headers=live.actors["admin"])
    assert r.status_code == 422, (username, r.text)
    assert "username" in _field_errors(r)


def test_a_fullwidth_username_is_the_same_account_never_a_look_alike(live: Live) -> None:
    with live.client() as client:
        r = client.post("/api/v1/users", json=_user("Ｏlga.K"), headers=live.actors["admin"])
        assert r.status_code == 201 and r.json()["username"] == "olga.k"
        for again in ("olga.k", "ＯＬＧＡ.Ｋ", "OLGA.K"):
            r = client.post("/api/v1/users", json=_user(again), headers=live.actors["admin"])
            assert r.status_code == 409, again
        # ...and it signs in as typed on a fullwidth keyboard, too
        for typed in ("olga.k", "Ｏｌｇａ.ｋ"):
            r = client.post(
                "/api/v1/auth/token", data={"username": typed, "password": "a long password 1"}
            )
            assert r.status_code == 200, (typed, r.text)
        # an existing account's look-alike cannot be made either
        r = client.post(
            "/api/v1/users", json=_user("ＯＦＦＩＣＥＲ-user"), headers=live.actors["admin"]
        )
        assert r.status_code == 409


def test_the_cli_applies_the_same_rule(live: Live) -> None:
    refused = _cli(live, "users", "create", f"{CYRILLIC_A}dmin", "--role", "admin")
    assert refused.returncode == 1 and "Latin letters a-z" in refused.stderr, refused.stderr
    made = _cli(live, "users", "create", "Ｏksana", "--role", "officer")
    assert made.returncode == 0, made.stderr
    assert "user oksana created" in made.stderr
    twin = _cli(live, "users", "create", "oksana", "--role", "admin")
    assert twin.returncode == 1 and "already exists" in twin.stderr
    listed = _cli(live, "users", "list")
    assert "oksana\tofficer" in listed.stdout and "Ｏksana" not in listed.stdout


def _card(live: Live, **holder: str):  # type: ignore[no-untyped-def]
    body = factories.card_payload(**{f"holder.{k}": v for k, v in holder.items()})
    with live.client() as client:
        return client.post("/api/v1/cards", json=body, headers=live.actors["admin"])


def test_mathematical_letters_are_normalised_not_cut_to_one_letter(live: Live) -> None:
    r = _card(live, surname="𝐈𝐯𝐚𝐧𝐨𝐯", given_names="Ｉｖａｎ")
    assert r.status_code == 201, r.text
    holder = r.json()["holder"]
    assert (holder["surname"], holder["surname_latin"]) == ("Ivanov", "IVANOV")
    assert (holder["given_names"], holder["given_names_latin"]) == ("Ivan", "IVAN")


@pytest.mark.parametrize(
    "surname",
    [
        f"Iv{CYRILLIC_A}nov",
        f"K{CYRILLIC_A}rimov-Smith",
        "\u041a\u0430\u0440\u0438\u043co\u0432",
        "\u03a0\u03b1\u03c0\u03b1ov",
    ],
)
def test_a_name_part_mixing_scripts_is_refused(live: Live, surname: str) -> None:
    r = _card(live, surname=surname)
    assert r.status_code == 422, (surname, r.text)
    assert "one script" in _field_errors(r)["holder.surname"]


def test_parts_in_different_scripts_are_fine(live: Live) -> None:
    r = _card(live, surname="Каримов-Smith")
    assert r.status_code == 201 and r.json()["holder"]["surname_latin"] == "KARIMOV-SMITH"


@pytest.mark.parametrize(
    "native, latin",
    [("Məmmədov", "MAMMADOV"), ("Ӑвӑнов", "AVANOV"), ("Oʻgʻli", "OGLI"), ("Қосимов", "KOSIMOV")],
)
def test_the_latin_form_keeps_every_letter(live: Live, native: str, latin: str) -> None:
    r = _card(live, surname=native)
    assert r.status_code == 201, r.text
    assert r.json()["holder"]["surname_latin"] == latin


@pytest.mark.parametrize("field", ["surname", "given_names"])
def test_letters_without_a_latin_form_are_refused_naming_the_field(live: Live, field: str) -> None:
    r = _card(live, **{field: "王明"})
    assert r.status_code == 422
    assert "no Latin form" in _field_errors(r)[f"holder.{field}_latin"]
    ok = _card(live, **{field: "王明", f"{field}_latin": "WANG MING"})
    assert ok.status_code == 201


def test_the_archive_importer_applies_the_same_holder_rules(live: Live, tmp_path: Path) -> None:
    path = tmp_path / "archive.csv"
    write_csv(path, 3)
    rows = list(csv.reader(path.open(newline="", encoding="utf-8")))
    header = rows[0]
    rows[1][header.index("surname")] = "𝐈𝐯𝐚𝐧𝐨𝐯"
    rows[2][header.index("surname")] = f"Iv{CYRILLIC_A}nov"
    rows[3][header.index("surname")] = "王"
    for i, row in enumerate(rows[1:], start=1):
        row[header.index("archive_id")] = f"names-{i}"
        row[header.index("document_number")] = f"NM{i:07d}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    run = _cli(live, "import", "cards", str(path))
    assert run.returncode == 1, run.stderr
    report = list(csv.DictReader((tmp_path / "archive.report.csv").open(encoding="utf-8")))
    reasons = {r["archive_id"]: r["reason"] for r in report}
    assert set(reasons) == {"names-2", "names-3"}
    assert "one script" in reasons["names-2"] and "surname" in reasons["names-2"]
    assert "surname_latin" in reasons["names-3"] and "no Latin form" in reasons["names-3"]
    with live.client() as client:
        found = client.get(
            "/api/v1/cards",
            params={"document_number": "NM0000001", "citizenship": "UZB"},
            headers=live.actors["admin"],
        ).json()["items"]
    assert [(c["holder"]["surname"], c["holder"]["surname_latin"]) for c in found] == [
        ("Ivanov", "IVANOV")
    ]

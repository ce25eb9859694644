"""The registration form's rules, without Telegram: order, checks, the request body."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot import forms, reference

TODAY = date(2026, 11, 22)


def draft(**answers: object) -> forms.Draft:
    return forms.Draft.model_validate({"answers": answers})


def complete() -> forms.Draft:
    done = draft(
        surname="Каримов",
        given_names="Шухрат",
        surname_latin="KARIMOV",
        given_names_latin="SHUKHRAT",
        date_of_birth="1990-05-01",
        sex="M",
        citizenship="UZB",
        document_type="passport",
        document_number="FA1234567",
        purpose="work",
        stay_from=TODAY.isoformat(),
        stay_until=(TODAY + timedelta(days=90)).isoformat(),
        host_kind="organisation",
        host_name="ООО Стройка",
        host_address="Москва, ул. Ленина, 1",
        region="RU-MOW",
        occupation="builder",
    )
    done.answer("visa_number", None)  # skipped
    return done


@pytest.mark.parametrize(
    ("step", "text", "code"),
    [
        ("surname", "   ", "blank"),
        ("surname", "Karimov2", "name"),
        ("surname", "K" * 101, "too_long"),
        ("surname", "Kari\x07mov", "control_characters"),
        ("surname_latin", "KARİMOV", "latin"),
        ("date_of_birth", "1990/13/01", "date_format"),
        ("date_of_birth", "31.02.1990", "date_impossible"),
        ("date_of_birth", "01.01.2030", "birth_future"),
        ("date_of_birth", "01.01.1899", "birth_too_early"),
        ("sex", "M", "use_buttons"),
        ("citizenship", "Atlantis", "country_unknown"),
        ("citizenship", "RUS", "country_russia"),
        ("citizenship", "Россия", "country_russia"),
        ("document_number", "12", "document_number"),
        ("document_number", "ФА1234567", "document_number_cyrillic"),
        ("visa_number", "ABCDEFG", "visa_number"),
        ("stay_from", "01.01.1980", "stay_before_birth"),
        ("stay_from", "01.01.2029", "stay_too_far"),
        ("stay_until", "01.11.2026", "stay_until_before_from"),
        ("stay_until", "01.01.2033", "stay_too_long"),
        ("host_name", "x" * 201, "too_long"),
        ("host_address", " ", "blank"),
        ("region", "Atlantis", "region_unknown"),
    ],
)
def test_typed_answers_are_refused_with_a_reason(step: str, text: str, code: str) -> None:
    data = draft(date_of_birth="1990-05-01", stay_from=TODAY.isoformat())
    with pytest.raises(forms.Invalid) as exc:
        forms.parse_text(step, text, data, TODAY)
    assert exc.value.code == code
    assert text.strip() not in str(exc.value) or not text.strip()  # never the answer itself


def test_stay_until_in_the_past_is_refused() -> None:
    data = draft(stay_from=(TODAY - timedelta(days=300)).isoformat())
    with pytest.raises(forms.Invalid) as exc:
        forms.parse_text("stay_until", "01.05.2026", data, TODAY)
    assert exc.value.code == "stay_until_past"


@pytest.mark.parametrize(
    ("step", "text", "value"),
    [
        ("surname", "  Oʻrinboyev  ", "Oʻrinboyev"),
        ("surname", "G‘ulomov", "Gʻulomov"),  # the quotation mark Uzbek phones type
        ("given_names", "Anna-Maria  O'Neil", "Anna-Maria O'Neil"),
        ("surname_latin", "karimov", "KARIMOV"),
        ("date_of_birth", "1.5.1990", date(1990, 5, 1)),
        ("date_of_birth", "1990-05-01", date(1990, 5, 1)),
        ("document_number", "fa 123-4567", "FA1234567"),
        ("citizenship", "uzb", "UZB"),
        ("citizenship", "Oʻzbekiston", "UZB"),
        ("citizenship", "Тоҷикистон", "TJK"),
        ("citizenship", "Kyrgyzstan", "KGZ"),
        ("citizenship", "KZ", "KAZ"),
        ("region", "RU-SPE", "RU-SPE"),
        ("region", "mow", "RU-MOW"),
        ("region", "Tatarstan", "RU-TA"),
        ("region", "Москва", "RU-MOW"),
        ("region", "свердловская", "RU-SVE"),
        ("region", "Краснодарский край", "RU-KDA"),
        ("occupation", " cook\n", "cook"),
    ],
)
def test_typed_answers_are_normalised(step: str, text: str, value: object) -> None:
    assert forms.parse_text(step, text, draft(), TODAY) == value


def test_a_name_matching_several_countries_asks_which() -> None:
    with pytest.raises(forms.Ambiguous) as exc:
        forms.parse_text("citizenship", "Korea", draft(), TODAY)
    assert set(exc.value.candidates) == {"KOR", "PRK"}


def test_skips_only_where_allowed() -> None:
    assert forms.parse_choice("visa_number", forms.SKIP, draft(), TODAY) is None
    # "Correct" under the Latin form shown keeps that form, as it will be printed.
    shown = draft(surname="Каримов")
    shown.latin["surname_latin"] = "KARIMOV"
    assert forms.parse_choice("surname_latin", forms.SKIP, shown, TODAY) == "KARIMOV"
    with pytest.raises(forms.Invalid):  # no Latin form shown (the service had none for 王)
        forms.parse_choice("surname_latin", forms.SKIP, draft(surname="王"), TODAY)
    with pytest.raises(forms.Invalid):
        forms.parse_choice("surname", forms.SKIP, draft(), TODAY)
    with pytest.raises(forms.Invalid):
        forms.parse_choice("sex", "X", draft(), TODAY)


def test_given_names_latin_is_asked_only_with_given_names() -> None:
    assert forms.next_step("surname_latin", draft(given_names="Шухрат")) == "given_names_latin"
    assert forms.next_step("surname_latin", draft(given_names=None)) == "date_of_birth"


def test_an_edit_returns_to_the_confirmation_after_its_group() -> None:
    data = forms.Draft(return_to="stay_until")
    assert forms.next_step("stay_from", data) == "stay_until"
    assert forms.next_step("stay_until", data) is None
    assert forms.next_step("occupation", draft()) is None


def test_recheck_finds_answers_that_no_longer_hold() -> None:
    data = complete()
    assert forms.recheck(data, TODAY) is None
    later = TODAY + timedelta(days=400)  # the flow was left open: the stay is now past
    assert forms.recheck(data, later) == ("stay_until", forms.Invalid("stay_until_past"))
    data.forget("region")
    assert forms.recheck(data, TODAY) == ("region", forms.Invalid("required"))


def test_the_draft_survives_the_storage_as_json() -> None:
    data = complete()
    data.whom, data.idempotency_key = "family", "k"
    stored = json.loads(json.dumps(data.dump()))
    assert forms.Draft.load(stored) == data
    assert forms.Draft.load({"surname": "from an older version"}) == forms.Draft()


def test_the_body_is_what_the_service_expects() -> None:
    body = forms.to_body(complete(), language="uz", telegram_user_id=42)
    assert body["holder"] == {
        "surname": "Каримов",
        "given_names": "Шухрат",
        "surname_latin": "KARIMOV",
        "given_names_latin": "SHUKHRAT",
        "date_of_birth": "1990-05-01",
        "sex": "M",
        "citizenship": "UZB",
        "document": {"type": "passport", "number": "FA1234567"},
    }
    assert body["planned_stay"]["from"] == TODAY.isoformat()
    assert body["host"]["kind"] == "organisation" and body["region"] == "RU-MOW"
    assert body["language"] == "uz" and body["telegram_user_id"] == 42
    assert "visa_number" not in body and body["occupation"] == "builder"


@pytest.mark.parametrize(
    ("field", "step"),
    [
        ("holder.document.number", "document_number"),
        ("holder.document", "document_number"),
        ("planned_stay.until", "stay_until"),
        ("planned_stay.from", "stay_from"),  # a model-level check, reported by its field
        ("holder.surname_latin", "surname_latin"),
        ("holder.given_names_latin", "given_names_latin"),
        ("host.address", "host_address"),
        ("region", "region"),
        ("body", "surname"),
    ],
)
def test_service_field_errors_lead_back_to_their_step(field: str, step: str) -> None:
    assert forms.step_for_api_field(field) == step


def test_every_step_has_a_state_and_every_country_a_name() -> None:
    from bot.handlers.registration import Registration

    states = {s.state for s in Registration.__states__}
    assert states == {f"Registration:{s}" for s in (*forms.NAMES, "whom", "confirm")}
    assert list(forms.EDIT_GROUPS)[:3] == ["names", "date_of_birth", "sex"]
    assert forms.EDIT_GROUPS["host"] == ("host_kind", "host_address")
    for code in reference.COMMON_CITIZENSHIPS:
        for language in ("ru", "en", "uz", "tg", "ky", "kk"):
            assert reference.country_name(code, language) != code
    assert len(reference.regions()) == 83

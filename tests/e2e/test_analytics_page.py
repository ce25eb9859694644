"""The analyst page in real Chromium, Russian locale, under the strict CSP: names not codes,
a line chart per group, CSV downloads equal to what the charts show, a print view, and no
request leaving 127.0.0.1."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from service.api.headers import CONTENT_SECURITY_POLICY as PAGE_CSP
from tests.e2e.server import serve
from tests.factories import card_payload

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must have Debian's chromium installed (.ci/run installs it)")
    pytest.skip("Debian chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _download(page: Page, name: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(f"button[data-csv={name}]")
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_analytics_page_in_russian_under_csp(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(tmp_path / "data") as server, httpx.Client(base_url=server.url, timeout=20) as http:
        admin = {
            "Authorization": "Bearer "
            + http.post(
                "/api/v1/auth/token", data={"username": "admin", "password": server.admin_password}
            ).json()["access_token"]
        }
        http.post(
            "/api/v1/users",
            json={"username": "analyst1", "password": "analyst password 1", "role": "analyst"},
            headers=admin,
        )
        for region, n, entered in (("RU-MOW", 12, 11), ("RU-SVE", 10, 0), ("RU-TA", 3, 0)):
            for i in range(n):
                # Moscow's occupation is typed like a spreadsheet formula: the CSV defuses it.
                job = "=1+2" if region == "RU-MOW" else "builder"
                body = card_payload(region=region, occupation=job)
                r = http.post("/api/v1/cards", json=body, headers=admin)
                assert r.status_code == 201, r.text
                if region == "RU-SVE":  # ten ended stays for the outcomes table
                    v = http.post(
                        f"/api/v1/cards/{r.json()['id']}/revoke",
                        json={"reason": "ошибка в данных"},
                        headers=admin,
                    )
                    assert v.status_code == 200, v.text
                elif i < entered:
                    e = http.post(
                        f"/api/v1/cards/{r.json()['id']}/entry",
                        json={"crossing_point": "Шереметьево"},
                        headers=admin,
                    )
                    assert e.status_code == 200, e.text
        page_response = http.get("/analytics")
        assert page_response.headers["content-security-policy"] == PAGE_CSP
        assert "<script>" not in page_response.text and "<style" not in page_response.text
        assert (
            " on" not in page_response.text.replace(" one", "").split("<body>")[1].split("=", 1)[0]
        )

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            context = browser.new_context(
                locale="ru-RU", viewport={"width": 1000, "height": 1400}, accept_downloads=True
            )
            page = context.new_page()
            hosts: set[str] = set()
            problems: list[str] = []
            page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
            )
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            failed: set[str] = set()
            page.on(
                "response",
                lambda r: failed.add(urlparse(r.url).path) if r.status >= 400 else None,
            )
            page.goto(server.url + "/analytics")
            expect(page.locator("button[type=submit]").first).to_have_text("Войти")
            page.fill("#username", "analyst1")
            page.fill("#password", "analyst password 1")
            page.click("#login-form button[type=submit]")
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=20_000)

            # Names, not codes, in Russian; the code beside the name.
            expect(page.locator("#chart-region rect.bar")).to_have_count(2)
            expect(page.locator("#chart-region")).to_contain_text("Москва (RU-MOW)")
            expect(page.locator("#chart-region")).to_contain_text("Свердловская область (RU-SVE)")
            expect(page.locator("#chart-citizenship")).to_contain_text("Узбекистан")
            expect(page.locator("#chart-purpose")).to_contain_text("Работа")
            expect(page.locator("#note-region")).to_contain_text("Скрыто ячеек меньше 10: 1")

            # A line chart per group (Tatarstan's 3 cards are hidden, so no chart for it).
            multiples = page.locator("#chart-trend .multiple")
            expect(multiples).to_have_count(2)
            expect(multiples.nth(0)).to_contain_text("Москва")
            expect(multiples.nth(1)).to_contain_text("Свердловская область")
            for i in range(2):
                expect(multiples.nth(i).locator("path.line-issued")).to_have_count(1)
                expect(multiples.nth(i).locator("path.line-arrivals")).to_have_count(1)

            # The trend CSV holds exactly the points drawn.
            rows = _download(page, "trend")
            assert rows[0] == ["месяц", "код", "название", "Карт оформлено", "Въездов отмечено"] + [
                "фильтр: Регион (код)",
                "фильтр: Гражданство (код)",
                "фильтр: Род занятий",
            ]
            assert {tuple(r[5:]) for r in rows[1:]} == {("", "", "")}  # no filter yet
            drawn = page.eval_on_selector_all(
                "#chart-trend .multiple",
                """boxes => boxes.flatMap(b => [...b.querySelectorAll('circle')].map(c =>
                    [b.dataset.code, c.dataset.month, c.dataset.measure, c.dataset.value]))""",
            )
            from_csv = []
            for month, code, _label, issued, arrivals, *_filters in rows[1:]:
                if issued != "скрыто":
                    from_csv.append([code, month, "issued", issued])
                if arrivals != "скрыто":
                    from_csv.append([code, month, "arrivals", arrivals])
            assert sorted(from_csv) == sorted(drawn)
            month = rows[-1][0]
            assert ["RU-MOW", month, "issued", "10"] in drawn  # 12, rounded to a multiple of 5
            assert ["RU-MOW", month, "arrivals", "10"] in drawn  # 11, rounded
            assert {(r[1], r[2]) for r in rows[1:]} == {
                ("RU-MOW", "Москва"),
                ("RU-SVE", "Свердловская область"),
            }

            # The region CSV holds exactly the bars drawn.
            region_rows = _download(page, "region")
            bars = page.eval_on_selector_all(
                "#chart-region rect.bar", "rs => rs.map(r => [r.dataset.code, r.dataset.count])"
            )
            assert region_rows[0] == ["код", "название", "карт"]
            assert [[c, n] for c, _, n in region_rows[1:]] == bars
            assert region_rows[1:] == [
                ["RU-MOW", "Москва", "10"],
                ["RU-SVE", "Свердловская область", "10"],
            ]

            # A cell starting with "=" gets a leading apostrophe in the CSV, not on the page.
            expect(page.locator("#chart-occupation")).to_contain_text("=1+2")
            occupation_rows = _download(page, "occupation")
            assert occupation_rows[1:] == [["builder", "builder", "15"], ["'=1+2", "'=1+2", "10"]]

            # The outcomes table and its CSV hold the same rows.
            outcome_rows = _download(page, "outcomes-cards")
            table = page.eval_on_selector_all(
                "#table-outcomes-cards tr",
                "trs => trs.map(tr => [...tr.children].map(c => c.textContent))",
            )
            assert outcome_rows == table
            assert outcome_rows[1][:4] == ["all", "все", "нет", "10"]
            assert outcome_rows[1][-5:] == ["10", "100%", "", "", ""]  # revoked; no filter
            expect(page.locator("#note-outcomes")).to_contain_text("не доказывает")

            # No official quota figure is shipped: the page says so.
            expect(page.locator("#note-quotas")).to_contain_text("не внесены")

            # Filters: Uzbek holders in Sverdlovsk region only (all of them here).
            page.fill("#filter-region", "ru-sve")
            page.fill("#filter-citizenship", "uzb")
            page.click("#trend-form button[type=submit]")
            expect(multiples).to_have_count(1, timeout=20_000)
            expect(multiples.nth(0)).to_contain_text("Свердловская область")

            # The occupation filter narrows the outcomes too, and their CSV names the filters.
            outcome_table = page.locator("#table-outcomes-cards")
            page.fill("#filter-occupation", "Builder")
            page.click("#trend-form button[type=submit]")
            expect(outcome_table).to_contain_text("Builder", timeout=20_000)
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=20_000)
            outcome_rows = _download(page, "outcomes-cards")
            assert outcome_rows == page.eval_on_selector_all(
                "#table-outcomes-cards tr",
                "trs => trs.map(tr => [...tr.children].map(c => c.textContent))",
            )
            assert outcome_rows[0][-3:] == [
                "фильтр: Регион (код)",
                "фильтр: Гражданство (код)",
                "фильтр: Род занятий",
            ]
            assert outcome_rows[1:] == [
                ["all", "все", "нет", "10", *["0", "0%"] * 3, "10", "100%"]
                + ["RU-SVE", "UZB", "Builder"]
            ]
            trend_rows = _download(page, "trend")
            assert {tuple(r[1:2] + r[5:]) for r in trend_rows[1:]} == {
                ("RU-SVE", "RU-SVE", "UZB", "Builder")
            }
            page.fill("#filter-occupation", "driver")  # no driver's stay has ended
            page.click("#trend-form button[type=submit]")
            expect(outcome_table).to_have_text(
                "Нет ни одной ячейки, достаточно большой для показа."
            )
            expect(multiples).to_have_count(0)
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=20_000)
            assert len(_download(page, "outcomes-cards")) == 1  # the header only
            page.fill("#filter-occupation", "")
            page.click("#trend-form button[type=submit]")
            expect(multiples).to_have_count(1, timeout=20_000)
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=20_000)

            # One obligation alone (registration): chosen by its title; the obligations CSV
            # names the choice in its last column.
            options = page.eval_on_selector_all(
                "#outcomes-obligation option", "os => os.map(o => [o.value, o.textContent])"
            )
            assert options[0] == ["", "все вместе"]
            assert ["migration-registration", "Постановка на миграционный учёт"] in options
            with page.expect_response(lambda r: "obligation=migration-registration" in r.url):
                page.select_option("#outcomes-obligation", "migration-registration")
            expect(page.locator("body")).to_have_attribute("data-ready", "yes", timeout=20_000)
            obligation_rows = _download(page, "outcomes-obligations")
            assert obligation_rows[0][-4:] == [
                "фильтр: Регион (код)",
                "фильтр: Гражданство (код)",
                "фильтр: Род занятий",
                "фильтр: Обязанность",
            ]
            # No stay with an obligation has ended here (the server keeps real time): the
            # table says so and the CSV is its header (API tests count the obligations).
            assert len(obligation_rows) == 1
            expect(page.locator("#table-outcomes-obligations")).to_have_text(
                "Нет ни одной ячейки, достаточно большой для показа."
            )

            # English on request, the codes unchanged.
            page.select_option("#lang", "en")
            expect(page.locator("#chart-region")).to_contain_text("Moskva (RU-MOW)", timeout=20_000)
            expect(page.locator("button[data-csv=region]")).to_have_text("Download CSV")
            expect(page.locator("#outcomes-obligation option:checked")).to_have_text(
                "Migration registration at the place of stay"
            )

            # The print view hides the controls and keeps the charts.
            page.emulate_media(media="print")
            expect(page.locator("#range")).to_be_hidden()
            expect(page.locator("button.csv").first).to_be_hidden()
            expect(page.locator("#chart-trend .multiple").first).to_be_visible()
            page.emulate_media(media="screen")
            page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)
            browser.close()
        assert hosts == {"127.0.0.1"}, hosts
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], (
            problems
        )
        assert not failed and not problems, (failed, problems)

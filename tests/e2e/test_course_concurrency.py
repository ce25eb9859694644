"""The last two modules passed at the same moment on PostgreSQL: the course is completed once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from service.core.config import get_settings
from service.course import content
from tests.e2e.server import serve
from tests.factories import card_payload, right_answers

PG_URL = os.environ.get("ONBOARD_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ONBOARD_TEST_POSTGRES_URL")


def test_last_two_modules_at_once_complete_the_course(tmp_path: Path, pg_engine) -> None:  # type: ignore[no-untyped-def]
    with pg_engine.begin() as conn:  # CASCADE empties every table that refers to these
        conn.execute(text("TRUNCATE person, api_key, app_user CASCADE"))
    course = content.get_course(get_settings().content_dir)
    *first, a, b = course.modules
    with serve(tmp_path / "data", database_url=PG_URL, workers=2) as server:
        token = httpx.post(
            server.url + "/api/v1/auth/token",
            data={"username": "admin", "password": server.admin_password},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=60) as c:
            persons = []
            for _ in range(5):
                person = c.post("/api/v1/cards", json=card_payload()).json()["person_id"]
                for module in first:
                    url = f"/api/v1/persons/{person}/course/modules/{module.slug}/attempts"
                    assert c.post(url, json={"answers": right_answers(module)}).status_code == 201
                persons.append(person)

        def finish(person: str, module: content.Module, barrier: threading.Barrier) -> None:
            url = f"{server.url}/api/v1/persons/{person}/course/modules/{module.slug}/attempts"
            with httpx.Client(headers=auth, timeout=60) as c:
                barrier.wait(timeout=30)
                r = c.post(url, json={"answers": right_answers(module)})
                assert r.status_code == 201, r.text

        for person in persons:
            barrier = threading.Barrier(2)
            threads = [
                threading.Thread(target=finish, args=(person, module, barrier)) for module in (a, b)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)

        with httpx.Client(base_url=server.url, headers=auth, timeout=60) as c:
            for person in persons:
                progress = c.get(f"/api/v1/persons/{person}/course").json()
                assert progress["modules_passed"] == len(course.modules), progress
                assert progress["completed"] and len(progress["completions"]) == 1

"""Schemathesis over our OpenAPI, in-process, signed in as admin: no 5xx, no schema breaks.

Every response check runs. The one check left out, "schema-valid request rejected", flags
rules JSON Schema cannot state (a card number's check symbol, a stay that must end after it
starts, a birth date not in the future); those answers are still checked to be documented
422 problems.

The app is built when the module is imported (schemathesis needs the schema at collection
time) over its own migrated SQLite database in a temporary directory.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.core.config import Settings
from service.core.db import make_engine
from service.core.migrate import upgrade
from service.main import create_app
from tests import factories

_DATA = Path(tempfile.mkdtemp(prefix="onboard-fuzz-"))
atexit.register(shutil.rmtree, _DATA, True)
_URL = f"sqlite:///{_DATA / 'onboard.db'}"
upgrade(_URL)
_ENGINE = make_engine(_URL)
APP = create_app(
    Settings(data_dir=_DATA, database_url=_URL, secret_key=factories.TOKEN_SECRET), _ENGINE
)
ACTORS = factories.make_actors(_ENGINE)

schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case) -> None:  # type: ignore[no-untyped-def]
    headers = {} if case.operation.path == "/api/v1/auth/token" else ACTORS["admin"]
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

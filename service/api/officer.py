"""The officer page: an installable web app that verifies proofs on the device.

``/officer`` is the page; its scripts, styles, icons, manifest and the vendored QR decoder
are files under ``service/static/officer`` served at ``/officer/app/``. The service worker
(``/officer/sw.js``) is the one generated file: it carries the page's version (a hash of
every file it caches) and the list of those files, so that any change to the page makes a
new worker, which caches the new files as one set and then takes over.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from service.api.deps import SettingsDep, public
from service.proofs.service import LEEWAY
from service.proofs.token import MAX_PAYLOAD_BYTES

STATIC = Path(__file__).resolve().parents[1] / "static"
PAGE = STATIC / "officer.html"
APP_DIR = STATIC / "officer"
APP_PREFIX = "/officer/app/"
SCOPE = "/officer"
_WORKER = "sw.js"

# Everything the page needs comes from this service: no inline script or style, no CDN.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


def asset_files() -> list[Path]:
    """The files the service worker caches, besides the page itself."""
    return sorted(
        p
        for p in APP_DIR.rglob("*")
        if p.is_file() and p.name != _WORKER and not p.name.startswith(".")
    )


@cache
def build() -> tuple[str, list[str]]:
    """(version, URLs to cache): the version is a hash of the page and every asset."""
    digest = hashlib.sha256(PAGE.read_bytes())
    urls = [SCOPE]
    for path in asset_files():
        rel = path.relative_to(APP_DIR).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes())
        urls.append(APP_PREFIX + rel)
    return digest.hexdigest()[:16], urls


@router.get("/officer")
@public
async def officer_page() -> FileResponse:
    return FileResponse(PAGE, media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS)


@router.get("/officer/sw.js")
@public
async def service_worker() -> Response:
    version, urls = build()
    head = f"const VERSION = {json.dumps(version)};\nconst ASSETS = {json.dumps(urls)};\n"
    body = head + (APP_DIR / _WORKER).read_text()
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={
            "Service-Worker-Allowed": SCOPE,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": CSP,
        },
    )


@router.get("/officer/config.json")
@public
async def page_config(settings: SettingsDep) -> JSONResponse:
    """What the page's own verifier needs besides the keys and the status list."""
    return JSONResponse(
        {
            "version": build()[0],
            "issuer": settings.proof_issuer,
            "status_list_valid_hours": settings.status_list_valid_hours,
            "status_list_ttl_seconds": settings.status_list_ttl_seconds,
            "leeway_seconds": int(LEEWAY.total_seconds()),
            "max_payload_bytes": MAX_PAYLOAD_BYTES,
        },
        headers={"Cache-Control": "no-cache"},
    )

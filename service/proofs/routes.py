"""HTTP routes for proofs: issue, render, verify, decode camera frames, trust data."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.accounts.access import Action, Owner, Principal, Rule
from service.api.deps import (
    Authorize,
    DecodeGateDep,
    KeysDep,
    ProofCacheDep,
    QrCacheDep,
    ScansDep,
    SettingsDep,
    Trust,
    TrustDep,
    UnitOfWork,
    public,
)
from service.cards import service as cards
from service.cards.models import Card
from service.core import clock
from service.core.config import Settings
from service.core.errors import NotFound, field_error
from service.core.problems import PROBLEM_RESPONSES, UPLOAD_PROBLEMS
from service.printing import pdf
from service.proofs import decode as qr_decode
from service.proofs import scans, token
from service.proofs import service as proofs
from service.proofs.keys import KeyStore
from service.proofs.live import LiveCard
from service.proofs.models import (
    OfflineScansIn,
    OfflineScansOut,
    ProofOut,
    ScanList,
    VerifiedCard,
    VerifyIn,
    VerifyOut,
)
from service.proofs.qr import QrCache
from service.proofs.recorder import ScanRecorder
from service.proofs.service import ProofCache

router = APIRouter(prefix="/api/v1", tags=["proofs"], responses=PROBLEM_RESPONSES)
public_router = APIRouter(tags=["proofs"])


@dataclass(frozen=True)
class _Issuer:
    """What issuing a proof needs, as a dependency: ``issue(session, card_id)``."""

    settings: Settings
    keys: KeyStore
    cache: ProofCache
    qr: QrCache

    def issue(self, session: Session, card_id: uuid.UUID) -> proofs.IssuedProof:
        return proofs.issue_proof(
            session=session,
            keys=self.keys,
            cache=self.cache,
            card_id=card_id,
            issuer=self.settings.proof_issuer,
            ttl=timedelta(days=self.settings.proof_ttl_days),
        )


async def _issuer(
    settings: SettingsDep, keys: KeysDep, cache: ProofCacheDep, qr: QrCacheDep
) -> _Issuer:
    return _Issuer(settings=settings, keys=keys, cache=cache, qr=qr)


IssuerDep = Annotated[_Issuer, Depends(_issuer)]
# The rule of every route that hands out a card's proof (JSON, QR images, printout).
IssueWork = Annotated[UnitOfWork, Authorize(Action.proofs_issue, Owner.card)]


@router.get("/cards/{card_id}/proof", response_model=ProofOut)
async def get_proof(card_id: uuid.UUID, issuer: IssuerDep, uow: IssueWork) -> ProofOut:
    """A signed proof for the card's QR code, with its expiry."""

    def work(session: Session, principal: Principal) -> ProofOut:
        proof = issuer.issue(session, card_id)
        return ProofOut(payload=proof.payload, expires_at=proof.expires_at, kid=proof.kid)

    return await uow.run(work)


_IMAGE = {"png": "image/png", "svg": "image/svg+xml"}


def _image_route(kind: str) -> None:
    """``GET /cards/{card_id}/proof.<kind>``: the proof as a QR code image of that kind."""

    async def endpoint(card_id: uuid.UUID, issuer: IssuerDep, uow: IssueWork) -> Response:
        def work(session: Session, principal: Principal) -> bytes:
            proof = issuer.issue(session, card_id)
            return bytes(issuer.qr.get_or_render(proof.payload, kind))

        image = await uow.run(work)
        return Response(image, media_type=_IMAGE[kind], headers={"Cache-Control": "no-store"})

    label = kind.upper()
    router.add_api_route(
        f"/cards/{{card_id}}/proof.{kind}",
        endpoint,
        methods=["GET"],
        response_class=Response,
        responses={200: {"content": {_IMAGE[kind]: {}}, "description": f"QR code ({label})"}},
        name=f"get_proof_{kind}",
        description=f"The proof as a QR code image ({label}).",
    )


for _kind in _IMAGE:
    _image_route(_kind)


@router.get(
    "/cards/{card_id}/print",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A6 PDF"}},
)
async def print_card(card_id: uuid.UUID, issuer: IssuerDep, uow: IssueWork) -> Response:
    """A one-page A6 PDF of the e-card with its QR code, for a worker without a phone."""

    def work(session: Session, principal: Principal) -> bytes:
        proof = issuer.issue(session, card_id)
        qr_png = issuer.qr.get_or_render(proof.payload, "png")
        facts = proofs.print_facts(session=session, card_id=card_id, proof=proof, qr_png=qr_png)
        return pdf.render(facts, font=issuer.settings.pdf_font)

    body = await uow.run(work)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="e-card-{card_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# Verification's rule, also enforced by the hot path in front of the router (proofs.hotpath).
_VERIFY = Authorize(Action.proofs_verify)
VerifyWork = Annotated[UnitOfWork, _VERIFY]
VERIFY_RULE: Rule = _VERIFY.dependency.rule
VERIFY_PATH = "/api/v1/verify"


@router.post("/verify", response_model=VerifyOut)
async def verify(body: VerifyIn, uow: VerifyWork, trust: TrustDep) -> VerifyOut | Response:
    """Verify a scanned proof online; every call is recorded (officer, card, verdict, time).

    A proof is checked without the database: the caller from a cache of a few seconds, the
    signature with the key objects, the card's status from the in-memory registry
    (``status_as_of`` says when it was read), the scan record queued for the batching
    recorder. A typed number is looked up in the database."""
    # Most proofs are answered before the router by proofs.hotpath, with answer_proof; this
    # route (its declaration is the OpenAPI document's) answers every other request.
    if body.number is not None:
        return await uow.run(
            lambda s, p: _verify_number(trust.scans, s, p, body.number or ""), reads_only=True
        )
    principal = await uow.principal()  # authenticated and the route's rule enforced
    return answer_proof(trust, principal, body.payload or "")


def answer_proof(trust: Trust, principal: Principal, payload: str) -> Response:
    """The verdict on a proof for an authorised caller, recorded, as the JSON answer."""
    live = trust.live
    live.ensure_loaded()
    result = proofs.verify(
        live=live, keys=trust.keys, payload=payload, issuer=trust.settings.proof_issuer
    )
    checked_at = _record_scan(trust.scans, principal, result)
    card = None
    if isinstance(result.card, LiveCard) and result.claims is not None:
        # The claims' types were checked (token.verify_signature): not validated again.
        card = VerifiedCard.model_construct(
            **token.facts(result.claims),
            id=result.card.id,
            status_now=result.card.status_now().value,
        )
    out = VerifyOut(
        verdict=result.verdict,
        reason=result.reason,
        card=card,
        checked_at=checked_at,
        status_as_of=live.as_of,
    )
    # Serialised once here (the model is already valid): FastAPI would validate it again.
    return Response(out.model_dump_json(), media_type="application/json")


def _record_scan(recorder: ScanRecorder, principal: Principal, result: Any) -> datetime:
    """Every verification is recorded (officer, card, verdict, time; no names) through the
    batching recorder, off the request's transaction; the time it was checked."""
    checked_at = clock.now()
    recorder.record(
        at=checked_at,
        actor=principal.actor,
        card_id=result.card.id if result.card else None,
        verdict=result.verdict.value,
    )
    return checked_at


def _verify_number(
    recorder: ScanRecorder, session: Session, principal: Principal, number: str
) -> VerifyOut:
    # The scan record goes through the batching recorder, not this transaction.
    result = proofs.verify_number(session=session, number=number)
    checked_at = _record_scan(recorder, principal, result)
    card = None
    if isinstance(result.card, Card):
        facts = proofs.registry_facts(session=session, card=result.card)
        status_now = cards.effective_status(result.card).value
        card = VerifiedCard.of(facts, card_id=result.card.id, status_now=status_now)
    return VerifyOut(
        verdict=result.verdict,
        reason=result.reason,
        card=card,
        checked_at=checked_at,
        status_as_of=checked_at,
    )


@router.post("/decode", responses={200: {"description": "The QR code's text"}, **UPLOAD_PROBLEMS})
async def decode_image(
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify)],
    gate: DecodeGateDep,
) -> dict[str, str]:
    """Read a QR code from a camera frame or photo (request body: the image bytes)."""
    # The caller is known before a byte of the body is read: strangers cannot make the
    # server receive (and hold) megabytes.
    await uow.run(_known_caller, reads_only=True)
    data = await request.body()
    if not data:
        raise field_error("body", "send the image bytes (JPEG, PNG or WebP)")
    async with gate:
        text = await run_in_threadpool(qr_decode.read_qr, data)
    if text is None:
        raise NotFound("no QR code found in the image")
    return {"text": text}


def _known_caller(session: Session, principal: Principal) -> None:
    """Nothing to do: the unit of work has authenticated the caller and enforced the rule."""


@router.get("/scans", response_model=ScanList)
async def my_scans(
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify, Owner.caller)],
    recorder: ScansDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ScanList:
    """The caller's own most recent verifications."""
    recorder.flush()
    return await uow.run(lambda s, p: scans.recent(session=s, actor=p.actor, limit=limit))


@router.post("/scans", response_model=OfflineScansOut)
async def upload_offline_scans(
    body: OfflineScansIn,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify, Owner.caller)],
    settings: SettingsDep,
) -> OfflineScansOut:
    """Record checks made on the officer's device while offline, with their original times
    (a batch of up to 500). Each check is recorded once per officer and ``client_id``, so a
    retried upload adds nothing."""

    def work(session: Session, principal: Principal) -> OfflineScansOut:
        recorded = scans.record_offline(
            session=session,
            actor=principal.actor,
            items=body.items,
            now=clock.now(),
            max_age=timedelta(days=settings.offline_scan_max_age_days),
            skew=timedelta(seconds=settings.offline_scan_clock_skew_seconds),
        )
        return OfflineScansOut(recorded=recorded, duplicates=len(body.items) - recorded)

    return await uow.run(work)


@public_router.get("/.well-known/jwks.json")
@public
async def jwks(keys: KeysDep) -> JSONResponse:
    """Public keys that verify proofs and status lists (any standard JOSE library)."""
    return JSONResponse(keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get(
    "/status-list",
    response_class=Response,
    responses={
        200: {
            "content": {"application/statuslist+jwt": {}},
            "description": "Signed status list of every card",
        }
    },
)
@public
async def status_list(request: Request, trust: TrustDep) -> Response:
    """Signed status list (2 bits per card serial: 0 fine, 1 revoked, 3 closed), from
    memory: signed again only when the bits change (see proofs.live), with an ETag."""
    settings = trust.settings
    ttl = settings.status_list_ttl_seconds
    live = trust.live
    live.ensure_loaded()
    signed = live.signed_list(
        uri=str(request.url_for("status_list")),
        keys=trust.keys,
        issuer=settings.proof_issuer,
        ttl=timedelta(seconds=ttl),
        valid_for=timedelta(hours=settings.status_list_valid_hours),
    )
    headers = {
        "Cache-Control": f"public, max-age={ttl}",
        "ETag": signed.etag,
        "X-Onboard-Instance": INSTANCE,
    }
    tags = _etags(request.headers.get("if-none-match"))
    if signed.etag in tags or "*" in tags:  # "*": any current list (RFC 9110, 13.1.2)
        return Response(status_code=304, headers=headers)
    return Response(signed.body, media_type="application/statuslist+jwt", headers=headers)


# Which worker process answered (status lists are per process); a random tag, not the pid.
INSTANCE = secrets.token_hex(4)


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {t.strip().removeprefix("W/") for t in header.split(",")}

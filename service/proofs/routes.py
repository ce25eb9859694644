"""HTTP routes for proofs: issue, render, verify, decode camera frames, trust data."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from service.accounts.access import Action, Owner, Principal
from service.api.deps import Authorize, UnitOfWork, public
from service.cards import numbers
from service.cards import service as cards
from service.cards.models import Card
from service.core import clock
from service.core.errors import NotFound, field_error
from service.core.problems import PROBLEM_RESPONSES, UPLOAD_PROBLEMS
from service.printing import pdf
from service.proofs import decode as qr_decode
from service.proofs import scans, token
from service.proofs import service as proofs
from service.proofs.live import LiveCard
from service.proofs.models import (
    OfflineScansIn,
    OfflineScansOut,
    ProofOut,
    ScanEvent,
    ScanList,
    ScanOut,
    VerifiedCard,
    VerifyIn,
    VerifyOut,
)

router = APIRouter(prefix="/api/v1", tags=["proofs"], responses=PROBLEM_RESPONSES)
public_router = APIRouter(tags=["proofs"])


def _issue(request: Request, session: Session, card_id: uuid.UUID) -> proofs.IssuedProof:
    state = request.app.state
    return proofs.issue_proof(
        session=session,
        keys=state.keys,
        cache=state.proof_cache,
        card_id=card_id,
        issuer=state.settings.proof_issuer,
        ttl=timedelta(days=state.settings.proof_ttl_days),
    )


@router.get("/cards/{card_id}/proof", response_model=ProofOut)
async def get_proof(
    card_id: uuid.UUID,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_issue, Owner.card)],
) -> ProofOut:
    """A signed proof for the card's QR code, with its expiry."""

    def work(session: Session, principal: Principal) -> ProofOut:
        proof = _issue(request, session, card_id)
        return ProofOut(payload=proof.payload, expires_at=proof.expires_at, kid=proof.kid)

    return await uow.run(work)


_IMAGE = {"png": "image/png", "svg": "image/svg+xml"}


async def _image(card_id: uuid.UUID, request: Request, uow: UnitOfWork, kind: str) -> Response:
    def work(session: Session, principal: Principal) -> bytes:
        proof = _issue(request, session, card_id)
        return bytes(request.app.state.qr_cache.get_or_render(proof.payload, kind))

    image = await uow.run(work)
    return Response(image, media_type=_IMAGE[kind], headers={"Cache-Control": "no-store"})


@router.get(
    "/cards/{card_id}/proof.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "QR code (PNG)"}},
)
async def get_proof_png(
    card_id: uuid.UUID,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_issue, Owner.card)],
) -> Response:
    """The proof as a QR code image (PNG)."""
    return await _image(card_id, request, uow, "png")


@router.get(
    "/cards/{card_id}/proof.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "QR code (SVG)"}},
)
async def get_proof_svg(
    card_id: uuid.UUID,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_issue, Owner.card)],
) -> Response:
    """The proof as a QR code image (SVG)."""
    return await _image(card_id, request, uow, "svg")


@router.get(
    "/cards/{card_id}/print",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "A6 PDF"}},
)
async def print_card(
    card_id: uuid.UUID,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_issue, Owner.card)],
) -> Response:
    """A one-page A6 PDF of the e-card with its QR code, for a worker without a phone."""
    state = request.app.state

    def work(session: Session, principal: Principal) -> bytes:
        proof = _issue(request, session, card_id)
        card = cards.get_card(session=session, card_id=card_id)
        person = cards.get_person(session=session, person_id=card.person_id)
        facts = pdf.PrintFacts(
            number=numbers.display(card.number),
            status=cards.effective_status(card).value,
            native_name=" ".join(p for p in (person.surname, person.given_names) if p),
            latin_name=" ".join(p for p in (person.surname_latin, person.given_names_latin) if p),
            date_of_birth=person.date_of_birth,
            citizenship=person.citizenship,
            document=f"{person.document_type}: …{(person.document_number or '')[-4:]}",
            purpose=card.purpose,
            stay_until=card.stay_until,
            qr_png=state.qr_cache.get_or_render(proof.payload, "png"),
            qr_expires=proof.expires_at,
        )
        return pdf.render(facts, font=state.settings.pdf_font)

    body = await uow.run(work)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="e-card-{card_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/verify", response_model=VerifyOut)
async def verify(
    body: VerifyIn,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify)],
) -> VerifyOut | Response:
    """Verify a scanned proof online; every call is recorded (officer, card, verdict, time).

    A proof is checked without the database: the caller from a cache of a few seconds, the
    signature with the key objects, the card's status from the in-memory registry
    (``status_as_of`` says when it was read), the scan record queued for the batching
    recorder. A typed number is looked up in the database."""
    state = request.app.state
    if body.number is not None:
        return await uow.run(
            lambda s, p: _verify_number(state, s, p, body.number or ""), reads_only=True
        )
    principal = await uow.principal()  # authenticated and the route's rule enforced
    live = state.live
    live.ensure_loaded()
    result = proofs.verify(
        live=live, keys=state.keys, payload=body.payload or "", issuer=state.settings.proof_issuer
    )
    checked_at = _record_scan(state, principal, result)
    card = None
    if isinstance(result.card, LiveCard) and result.claims is not None:
        card = _verified_card(body.payload or "", result.card, result.claims)
    out = VerifyOut(
        verdict=result.verdict,
        reason=result.reason,
        card=card,
        checked_at=checked_at,
        status_as_of=live.as_of,
    )
    # Serialised once here (the model is already valid): FastAPI would validate it again.
    return Response(out.model_dump_json(), media_type="application/json")


# The card part of an answer, per proof and current status: built once from the verified
# claims (the signature is still checked on every request). Bounded: emptied when full.
_CARDS: dict[tuple[str, uuid.UUID, str], VerifiedCard] = {}
_CARDS_MAX = 4096


def _verified_card(payload: str, card: LiveCard, claims: dict[str, Any]) -> VerifiedCard:
    status = card.status_now().value
    key = (payload, card.id, status)
    found = _CARDS.get(key)
    if found is None:
        wanted = {k: v for k, v in token.describe(claims).items() if k in VerifiedCard.model_fields}
        found = VerifiedCard(id=card.id, status_now=status, **wanted)
        if len(_CARDS) >= _CARDS_MAX:
            _CARDS.clear()
        _CARDS[key] = found
    return found


def _record_scan(state: Any, principal: Principal, result: Any) -> datetime:
    """Every verification is recorded (officer, card, verdict, time; no names) through the
    batching recorder, off the request's transaction; the time it was checked."""
    checked_at = clock.now()
    state.scans.record(
        at=checked_at,
        actor=principal.actor,
        card_id=result.card.id if result.card else None,
        verdict=result.verdict.value,
    )
    return checked_at


def _verify_number(state: Any, session: Session, principal: Principal, number: str) -> VerifyOut:
    # The scan record goes through the batching recorder, not this transaction.
    result = proofs.verify_number(session=session, number=number)
    checked_at = _record_scan(state, principal, result)
    card = None
    if isinstance(result.card, Card):
        facts = proofs.registry_facts(session=session, card=result.card)
        wanted = {k: v for k, v in facts.items() if k in VerifiedCard.model_fields}
        card = VerifiedCard(
            id=result.card.id, status_now=cards.effective_status(result.card).value, **wanted
        )
    return VerifyOut(
        verdict=result.verdict,
        reason=result.reason,
        card=card,
        checked_at=checked_at,
        status_as_of=checked_at,
    )


@router.post("/decode", responses={200: {"description": "The QR code's text"}, **UPLOAD_PROBLEMS})
async def decode_image(
    request: Request, uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify)]
) -> dict[str, str]:
    """Read a QR code from a camera frame or photo (request body: the image bytes)."""
    # The caller is known before a byte of the body is read: strangers cannot make the
    # server receive (and hold) megabytes.
    await uow.run(_known_caller, reads_only=True)
    data = await request.body()
    if not data:
        raise field_error("body", "send the image bytes (JPEG, PNG or WebP)")
    async with request.app.state.decode_gate:
        text = await run_in_threadpool(qr_decode.read_qr, data)
    if text is None:
        raise NotFound("no QR code found in the image")
    return {"text": text}


def _known_caller(session: Session, principal: Principal) -> None:
    """Nothing to do: the unit of work has authenticated the caller and enforced the rule."""


@router.get("/scans", response_model=ScanList)
async def my_scans(
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify, Owner.caller)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ScanList:
    """The caller's own most recent verifications."""
    request.app.state.scans.flush()

    def work(session: Session, principal: Principal) -> ScanList:
        rows = session.exec(
            select(ScanEvent, Card.number)
            .join(Card, col(Card.id) == col(ScanEvent.card_id), isouter=True)
            .where(ScanEvent.actor == principal.actor)
            .order_by(col(ScanEvent.at).desc(), col(ScanEvent.id).desc())
            .limit(limit)
        ).all()
        return ScanList(
            items=[
                ScanOut(
                    at=s.at,
                    verdict=s.verdict,
                    card_number=f"{n[:5]}-{n[5:]}" if n else None,
                    offline=s.offline,
                    revocation_confirmed=s.revocation_confirmed,
                )
                for s, n in rows
            ]
        )

    return await uow.run(work)


@router.post("/scans", response_model=OfflineScansOut)
async def upload_offline_scans(
    body: OfflineScansIn,
    request: Request,
    uow: Annotated[UnitOfWork, Authorize(Action.proofs_verify, Owner.caller)],
) -> OfflineScansOut:
    """Record checks made on the officer's device while offline, with their original times
    (a batch of up to 500). Each check is recorded once per officer and ``client_id``, so a
    retried upload adds nothing."""
    state = request.app.state

    def work(session: Session, principal: Principal) -> OfflineScansOut:
        recorded = scans.record_offline(
            session=session,
            actor=principal.actor,
            items=body.items,
            now=clock.now(),
            max_age=timedelta(days=state.settings.offline_scan_max_age_days),
            skew=timedelta(seconds=state.settings.offline_scan_clock_skew_seconds),
        )
        return OfflineScansOut(recorded=recorded, duplicates=len(body.items) - recorded)

    return await uow.run(work)


@public_router.get("/.well-known/jwks.json")
@public
async def jwks(request: Request) -> JSONResponse:
    """Public keys that verify proofs and status lists (any standard JOSE library)."""
    return JSONResponse(
        request.app.state.keys.jwks(), headers={"Cache-Control": "public, max-age=300"}
    )


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
async def status_list(request: Request) -> Response:
    """Signed status list (2 bits per card serial: 0 fine, 1 revoked, 3 closed), from
    memory: signed again only when the bits change (see proofs.live), with an ETag."""
    state = request.app.state
    ttl = state.settings.status_list_ttl_seconds
    live = state.live
    live.ensure_loaded()
    signed = live.signed_list(
        uri=str(request.url_for("status_list")),
        keys=state.keys,
        issuer=state.settings.proof_issuer,
        ttl=timedelta(seconds=ttl),
        valid_for=timedelta(hours=state.settings.status_list_valid_hours),
    )
    headers = {
        "Cache-Control": f"public, max-age={ttl}",
        "ETag": signed.etag,
        "X-Onboard-Instance": INSTANCE,
    }
    if signed.etag in _etags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(signed.body, media_type="application/statuslist+jwt", headers=headers)


# Which worker process answered (status lists are per process); a random tag, not the pid.
INSTANCE = secrets.token_hex(4)


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {t.strip().removeprefix("W/") for t in header.split(",")}

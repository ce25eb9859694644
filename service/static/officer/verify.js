// The officer page's own verifier: a proof (MC1: + compact JWS, ES256) checked against the
// published keys (JWKS) and the signed status list, with no network. The same checks, in the
// same order, with the same verdicts and reasons as the server's offline verifier
// (service/proofs/offline.py); the format is in README "QR proofs".
"use strict";

export const PREFIX = "MC1:";
export const PROOF_TYP = "mc1";
export const LIST_TYP = "statuslist+jwt";
export const MAX_PAYLOAD_BYTES = 1024;
export const LEEWAY_SECONDS = 60;
const STATUS_VERDICT = { 1: "revoked", 3: "closed" };
const PURPOSES = { o: "official", t: "tourism", b: "business", s: "study", w: "work", v: "private", r: "transit", h: "humanitarian" };
const STATUSES = { p: "pending_entry", a: "active" };
const INT_CLAIMS = ["cid", "iat", "exp", "dob", "su"];
const STR_CLAIMS = ["iss", "n", "nm", "c", "d4", "p", "st"];
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class TrustDataError extends Error {}

function b64urlBytes(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const pad = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(pad);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function b64urlJson(text) {
  return JSON.parse(decoder.decode(b64urlBytes(text)));
}

async function importKeys(jwks) {
  const keys = new Map();
  if (!jwks || !Array.isArray(jwks.keys)) throw new TrustDataError("the JWKS document is not valid");
  for (const entry of jwks.keys) {
    if (!entry || entry.kty !== "EC" || entry.crv !== "P-256" || typeof entry.kid !== "string") continue;
    const jwk = { kty: "EC", crv: "P-256", x: entry.x, y: entry.y, ext: true };
    try {
      keys.set(entry.kid, await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]));
    } catch (e) {
      throw new TrustDataError("the JWKS document is not valid");
    }
  }
  return keys;
}

// ES256 with the algorithm pinned by us, never taken from the header. The JWS signature is
// the raw r||s (64 bytes) that WebCrypto takes as it is.
async function es256(key, signingInput, signature) {
  if (signature.length !== 64) return false;
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, encoder.encode(signingInput));
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Trust data the verifier can use: keys imported, the status list's signature checked with
 * them and its bits decompressed. fetchedAt (ms) is when the device last got it from the
 * service; validHours the service's ONBOARD_STATUS_LIST_VALID_HOURS. */
export async function loadTrust({ jwks, statusJwt, fetchedAt, validHours, issuer }) {
  const keys = await importKeys(jwks);
  const compact = String(statusJwt || "").trim();
  const parts = compact.split(".");
  if (parts.length !== 3) throw new TrustDataError("the status list is not valid");
  let header, claims;
  try {
    header = b64urlJson(parts[0]);
  } catch (e) {
    throw new TrustDataError("the status list is not valid");
  }
  const key = keys.get(String(header && header.kid));
  if (!key || header.alg !== "ES256" || header.typ !== LIST_TYP) {
    throw new TrustDataError("the status list is not signed by a published key");
  }
  let ok = false;
  try {
    ok = await es256(key, parts[0] + "." + parts[1], b64urlBytes(parts[2]));
  } catch (e) { ok = false; }
  if (!ok) throw new TrustDataError("the status list's signature does not verify");
  let bits;
  try {
    claims = b64urlJson(parts[1]);
    if (claims.status_list.bits !== 2) throw new Error("width");
    bits = await inflate(b64urlBytes(claims.status_list.lst));
  } catch (e) {
    throw new TrustDataError("the status list is not valid");
  }
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) throw new TrustDataError("the status list is not valid");
  return {
    keys, bits, fetchedAt,
    issuer: issuer || claims.iss,
    listIat: claims.iat, listExp: claims.exp, listTtl: Number.isInteger(claims.ttl) ? claims.ttl : 300,
    validHours: validHours || 24,
  };
}

/** When the trust data stops being good enough to confirm revocation (ms since epoch): the
 * status list's own exp, and never more than validHours after the device fetched it. */
export function trustGoodUntil(trust) {
  return Math.min(trust.listExp * 1000, trust.fetchedAt + trust.validHours * 3600 * 1000);
}

/** True when the trust data cannot vouch for a card at nowMs: past trustGoodUntil, or the
 * device's clock reads earlier than when it fetched the data (set back, or reset): how old
 * the data really is cannot be known then. */
export function trustStale(trust, nowMs) {
  return nowMs > trustGoodUntil(trust) || nowMs < trust.fetchedAt - LEEWAY_SECONDS * 1000;
}

export function getStatus(bits, index) {
  const bit = index * 2;
  if (index < 0 || (bit >> 3) >= bits.length) return null;
  return (bits[bit >> 3] >> (bit % 8)) & 3;
}

function wellFormed(c) {
  if (!c || typeof c !== "object" || Array.isArray(c)) return false;
  if (INT_CLAIMS.some((k) => !Number.isInteger(c[k]))) return false;
  if (STR_CLAIMS.some((k) => typeof c[k] !== "string")) return false;
  if ("cc" in c && !Number.isInteger(c.cc)) return false;
  return c.p in PURPOSES && c.st in STATUSES;
}

const DAY = 86400000;
const isoDay = (n) => new Date(n * DAY).toISOString().slice(0, 10);

export function describe(c) {
  return {
    serial: c.cid,
    number: c.n.slice(0, 5) + "-" + c.n.slice(5),
    name_latin: c.nm,
    date_of_birth: isoDay(c.dob),
    citizenship: c.c,
    document_last4: c.d4,
    purpose: PURPOSES[c.p],
    status_at_signing: STATUSES[c.st],
    stay_until: isoDay(c.su),
    course_completed_on: "cc" in c ? isoDay(c.cc) : null,
    issued_at: new Date(c.iat * 1000).toISOString(),
    expires_at: new Date(c.exp * 1000).toISOString(),
    issuer: c.iss,
  };
}

// Days since 1970-01-01 of the date in Moscow (the legal zone of the stay's last day).
let moscow = null;
function moscowDays(nowMs) {
  moscow = moscow || new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Moscow", year: "numeric", month: "2-digit", day: "2-digit" });
  const ymd = moscow.format(new Date(nowMs));
  return Math.round(Date.parse(ymd + "T00:00:00Z") / DAY);
}

function result(verdict, reason, facts, trust, nowMs) {
  // A good signature whose card the trust data cannot vouch for any more: never green.
  const stale = trustStale(trust, nowMs);
  const confirmed = !(stale && (verdict === "valid" || verdict === "pending_entry"));
  return { verdict, reason, facts, confirmed, trustAgeSeconds: Math.max(0, Math.round((nowMs - trust.fetchedAt) / 1000)) };
}

/** Verify a scanned proof. nowMs: the clock (ms since epoch). Returns
 * {verdict, reason, facts, confirmed, trustAgeSeconds}; confirmed is false when the signature
 * is good but the trust data is too old to confirm the card was not revoked. */
export async function verifyProof(payload, trust, nowMs = Date.now()) {
  const r = (verdict, reason, facts = null) => result(verdict, reason, facts, trust, nowMs);
  if (typeof payload !== "string") return r("invalid", "not an e-card proof (prefix)");
  if (encoder.encode(payload).length > MAX_PAYLOAD_BYTES) return r("invalid", "payload is larger than any proof");
  if (!payload.startsWith(PREFIX)) return r("invalid", "not an e-card proof (prefix)");
  const compact = payload.slice(PREFIX.length).trim();
  const parts = compact.split(".");
  if (parts.length !== 3) return r("invalid", "not a compact JWS");
  let header;
  try {
    header = b64urlJson(parts[0]);
  } catch (e) {
    return r("invalid", "unreadable header");
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) return r("invalid", "unreadable header");
  const key = typeof header.kid === "string" ? trust.keys.get(header.kid) : undefined;
  if (!key) return r("unknown_key", "not signed by a published key");
  if (header.alg !== "ES256") return r("invalid", "algorithm is not ES256");
  if (header.typ !== PROOF_TYP) return r("invalid", "wrong token type");
  let claims;
  try {
    if (!(await es256(key, parts[0] + "." + parts[1], b64urlBytes(parts[2])))) return r("invalid", "signature does not verify");
    claims = b64urlJson(parts[1]);
  } catch (e) {
    return r("invalid", "signature does not verify");
  }
  if (!wellFormed(claims)) return r("invalid", "claims are malformed");
  const facts = describe(claims);
  if (trust.issuer && claims.iss !== trust.issuer) return r("invalid", "issued by someone else", facts);
  const now = nowMs / 1000;
  if (claims.iat > now + LEEWAY_SECONDS) return r("invalid", "issued in the future", facts);
  if (claims.exp < now - LEEWAY_SECONDS) return r("expired", "this QR code has expired", facts);
  const status = getStatus(trust.bits, claims.cid);
  if (status in STATUS_VERDICT) return r(STATUS_VERDICT[status], `the card is ${STATUS_VERDICT[status]} according to the status list`, facts);
  if (status === null && claims.iat < trust.listIat) return r("invalid", "the card is missing from the status list", facts);
  if (claims.su < moscowDays(nowMs)) return r("expired", "the permitted stay has ended", facts);
  if (claims.st === "p") return r("pending_entry", "entry had not been recorded when signed", facts);
  return r("valid", "valid", facts);
}

// The officer page: sign in (online), then check e-cards by QR code on the device, online or
// not. Online, the server's verdict follows the device's and wins; offline, checks are queued
// on the device and uploaded (POST /api/v1/scans) when the network returns.
"use strict";

import { loadTrust, verifyProof, trustStale, TrustDataError } from "./verify.js";
import * as store from "./store.js";
import { makeDetector, decodeBlob as wasmDecodeBlob } from "./scan.js";

// Each message: [Russian, English], in the order of LANGS.
const LANGS = ["ru", "en"];
const T = {
  title: ["Проверка e-карты", "E-card check"],
  logout: ["Выйти", "Sign out"],
  username: ["Имя пользователя", "Username"],
  password: ["Пароль", "Password"],
  signin: ["Войти", "Sign in"],
  scan: ["Сканировать QR", "Scan QR"],
  stop: ["Остановить", "Stop"],
  photo: ["Или фото QR-кода", "Or a photo of the QR code"],
  number: ["Номер карты (XXXXX-XXXXX)", "Card number (XXXXX-XXXXX)"],
  check: ["Проверить", "Check"],
  crossing: ["Пункт пропуска", "Border crossing point"],
  entry: ["Отметить въезд", "Record entry"],
  exit: ["Отметить выезд", "Record exit"],
  wrongLogin: ["Неверное имя или пароль", "Wrong username or password"],
  signinOffline: ["Для входа нужна сеть", "Signing in needs the network"],
  noCamera: ["Камера недоступна: загрузите фото или введите номер", "No camera: upload a photo or type the number"],
  looking: ["Наведите камеру на QR-код…", "Point the camera at the QR code…"],
  noCode: ["QR-код на фото не найден", "No QR code found in the photo"],
  failed: ["Ошибка связи, попробуйте ещё раз", "Network error, try again"],
  done: ["Записано", "Recorded"],
  enterCrossing: ["Укажите пункт пропуска", "Enter the crossing point"],
  valid: ["Действительна", "Valid"],
  expired: ["Истекла", "Expired"],
  revoked: ["Аннулирована", "Revoked"],
  closed: ["Закрыта", "Closed"],
  pending_entry: ["Въезд не отмечен", "Entry not recorded"],
  invalid: ["Подделка или ошибка", "Forged or damaged"],
  unknown_key: ["Неизвестная подпись", "Unknown signature"],
  not_found: ["Карта не найдена", "Card not found"],
  unconfirmed: ["Подпись верна — отзыв карты проверить нельзя", "Signature valid — revocation cannot be confirmed"],
  unconfirmedWhy: ["Ключи и список отзывов устарели: подключитесь к сети", "Keys and revocations are out of date: go online"],
  f_number: ["Номер карты", "Card number"],
  f_name: ["Имя (латиницей)", "Name (Latin)"],
  f_dob: ["Дата рождения", "Date of birth"],
  f_cit: ["Гражданство", "Citizenship"],
  f_doc: ["Документ, последние 4", "Document, last 4"],
  f_purpose: ["Цель", "Purpose"],
  f_stay: ["Пребывание до", "Stay until"],
  f_course: ["Курс адаптации", "Adaptation course"],
  f_status: ["Статус сейчас", "Status now"],
  f_expires: ["QR действителен до", "QR valid until"],
  courseNo: ["не пройден", "not completed"],
  online: ["в сети", "online"],
  offline: ["нет сети", "offline"],
  trustFrom: ["ключи и отзывы от {time}, {age} назад", "keys and revocations from {time}, {age} ago"],
  trustFromNow: ["ключи и отзывы от {time}, только что", "keys and revocations from {time}, just now"],
  trustNone: ["нет ключей и списка отзывов: откройте страницу в сети", "no keys or revocations yet: open the page online"],
  trustStale: ["устарели", "out of date"],
  ageMin: ["{n} мин", "{n} min"],
  ageH: ["{n} ч", "{n} h"],
  ageD: ["{n} дн", "{n} d"],
  ageNow: ["только что", "just now"],
  modeOffline: ["без сети · на этом устройстве", "offline · checked on this device"],
  modeDevice: ["на этом устройстве · ждём сервер", "checked on this device · asking the server"],
  modeServer: ["сервер", "server"],
  modeLocalOnly: ["на этом устройстве (без входа)", "checked on this device (not signed in)"],
  modeDisagree: ["сервер (устройство: {v}) · ключи обновляются", "server (this device said: {v}) · refreshing keys"],
  checkedDevice: ["Проверено (время устройства)", "Checked (device time)"],
  checkedServer: ["Проверено (время сервера)", "Checked (server time)"],
  queued: ["Проверок ждут отправки: {n}", "Checks waiting to upload: {n}"],
  uploaded: ["Отправлено проверок без сети: {n}", "Offline checks uploaded: {n}"],
  numberOnline: ["Проверка по номеру требует сети", "Checking by number needs the network"],
  borderOffline: ["Въезд и выезд отмечаются только в сети", "Entry and exit are recorded online only"],
  borderWait: ["Ждём ответа сервера", "Waiting for the server"],
  sessionExpired: ["Сеанс истёк: войдите снова, чтобы проверять на сервере и отправить проверки", "Session expired: sign in again to check with the server and upload checks"],
  signinAgain: ["Войти снова", "Sign in again"],
  updated: ["Страница обновлена", "The page was updated"],
  noTrust: ["Нет ключей: проверка без сети невозможна", "No keys: cannot check offline"],
};
const ICONS = { valid: "✔", pending_entry: "⏳", expired: "⌛", closed: "⛔", revoked: "✖", invalid: "✖", unknown_key: "?", not_found: "?", unconfirmed: "!" };
const $ = (id) => document.getElementById(id);
const fmt = (s, vars) => s.replace(/\{(\w+)\}/g, (_, k) => vars[k]);

let lang = localStorage.getItem("lang") || ((navigator.language || "ru").toLowerCase().startsWith("ru") ? "ru" : "en");
// The session: kept across reloads; the token lives 15 minutes (expires_in), then checks go
// on offline-style on the device until the officer signs in again.
let session = JSON.parse(localStorage.getItem("officer-session") || "null");
let trust = null, trustRecord = null, refreshTimer = null;
let stream = null, scanning = false, detector = null, lastResult = null, currentCard = null;

function t(key) { return (T[key] && (T[key][LANGS.indexOf(lang)] || T[key][1])) || key; }
const online = () => navigator.onLine;
const signedIn = () => !!(session && session.token && session.expiresAt > Date.now());

function applyLang() {
  document.documentElement.lang = lang;
  $("lang").value = lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
  document.title = t("title");
  renderStatus();
  renderSession();
  if (lastResult) show(lastResult);
}

function age(ms) {
  const min = Math.floor(ms / 60000);
  if (min < 1) return t("ageNow");
  if (min < 60) return fmt(t("ageMin"), { n: min });
  if (min < 48 * 60) return fmt(t("ageH"), { n: Math.floor(min / 60) });
  return fmt(t("ageD"), { n: Math.floor(min / 1440) });
}
function trustText() {
  if (!trust) return t("trustNone");
  const at = new Date(trust.fetchedAt);
  const ago = Date.now() - trust.fetchedAt;
  // Older than today's shift: the date too.
  const time = ago > 12 * 3600 * 1000
    ? at.toLocaleString(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })
    : at.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  return ago < 60000 ? fmt(t("trustFromNow"), { time }) : fmt(t("trustFrom"), { time, age: age(ago) });
}
function trustState() {
  if (!trust) return "none";
  return trustStale(trust, Date.now()) ? "stale" : "fresh";
}
function renderStatus() {
  const net = $("net");
  net.dataset.net = online() ? "online" : "offline";
  net.textContent = t(online() ? "online" : "offline");
  const el = $("trust");
  el.dataset.state = trustState();
  el.textContent = trustText() + (trustState() === "stale" ? " — " + t("trustStale") : "");
  renderBorder();
}

function renderSession() {
  const known = !!(session && session.role);
  const expired = known && !signedIn();
  // Someone who signed in on this device keeps checking on the device after the token ends.
  const showLogin = !known || (expired && !!$("login").dataset.open);
  $("login").classList.toggle("hidden", !showLogin);
  $("app").classList.toggle("hidden", !known);
  $("logout").classList.toggle("hidden", !known);
  const banner = $("session");
  banner.classList.toggle("hidden", !expired);
  banner.textContent = expired ? t("sessionExpired") : "";
  if (expired && !banner.querySelector("button")) {
    const again = document.createElement("button");
    again.className = "secondary";
    again.textContent = t("signinAgain");
    again.addEventListener("click", () => { $("login").dataset.open = "1"; $("login").classList.remove("hidden"); if (session) $("username").value = session.username || ""; });
    banner.append(" ", again);
  }
}

// ---- Trust data -------------------------------------------------------------------------
async function loadStoredTrust() {
  const record = await store.getValue("trust");
  if (!record) return;
  try {
    trust = await loadTrust(record);
    trustRecord = record;
  } catch (e) { trust = null; }
}

async function refreshTrust() {
  clearTimeout(refreshTimer);
  if (!online()) return;
  try {
    const config = await (await fetch("/officer/config.json", { cache: "no-store" })).json();
    const jwks = await (await fetch("/.well-known/jwks.json", { cache: "no-cache" })).json();
    const headers = trustRecord && trustRecord.etag ? { "If-None-Match": trustRecord.etag } : {};
    const r = await fetch("/api/v1/status-list", { cache: "no-cache", headers });
    let statusJwt, etag;
    if (r.status === 304 && trustRecord) { statusJwt = trustRecord.statusJwt; etag = trustRecord.etag; }
    else if (r.ok) { statusJwt = await r.text(); etag = r.headers.get("ETag"); }
    else throw new Error("status list " + r.status);
    const record = { jwks, statusJwt, etag, fetchedAt: Date.now(), validHours: config.status_list_valid_hours, issuer: config.issuer };
    const fresh = await loadTrust(record); // its signature checked with the keys before it is kept
    await store.setValue("trust", record);
    trust = fresh; trustRecord = record;
    document.body.dataset.trustFetchedAt = String(record.fetchedAt);
  } catch (e) {
    if (e instanceof TrustDataError) console.warn("trust data refused:", e.message);
  }
  renderStatus();
  scheduleRefresh();
}
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (!trust) { refreshTimer = setTimeout(refreshTrust, 30000); return; }
  const untilExp = trust.listExp * 1000 - Date.now();
  const wait = Math.max(10000, Math.min(trust.listTtl * 1000, untilExp - 60000));
  refreshTimer = setTimeout(refreshTrust, wait);
}

// ---- API --------------------------------------------------------------------------------
async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, signedIn() ? { Authorization: "Bearer " + session.token } : {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) { session.expiresAt = 0; saveSession(); renderSession(); throw new Error("auth"); }
  return response;
}
function saveSession() { localStorage.setItem("officer-session", JSON.stringify(session)); }

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  if (!online()) { $("login-error").textContent = t("signinOffline"); return; }
  const body = new URLSearchParams({ username: $("username").value, password: $("password").value });
  let r;
  try { r = await fetch("/api/v1/auth/token", { method: "POST", body }); }
  catch (e) { $("login-error").textContent = t("signinOffline"); return; }
  if (!r.ok) { $("login-error").textContent = t("wrongLogin"); return; }
  const tok = await r.json();
  session = { token: tok.access_token, expiresAt: Date.now() + (tok.expires_in - 30) * 1000, username: $("username").value };
  const me = await (await api("/api/v1/auth/me")).json();
  session.role = me.role;
  session.userId = me.id;
  saveSession();
  $("password").value = "";
  delete $("login").dataset.open;
  renderSession();
  renderBorder();
  uploadQueue();
}
function signOut() {
  session = null; localStorage.removeItem("officer-session"); stopScan();
  delete $("login").dataset.open;
  renderSession();
}

// ---- Showing a verdict ------------------------------------------------------------------
function show(result) {
  lastResult = result;
  const unconfirmed = result.source !== "server" && result.confirmed === false;
  const state = unconfirmed ? "unconfirmed" : result.verdict;
  $("result").classList.remove("hidden");
  const box = $("verdict");
  box.className = "v-" + state;
  box.dataset.verdict = result.verdict;
  box.dataset.source = result.source;
  box.dataset.confirmed = String(!unconfirmed);
  $("v-icon").textContent = ICONS[state] || "?";
  $("v-word").textContent = t(state);
  $("v-why").textContent = unconfirmed ? t("unconfirmedWhy") : (lang === "en" && result.verdict !== "valid" ? (result.reason || "") : "");
  const mode = $("v-mode");
  mode.dataset.offline = String(result.source === "offline");
  const modes = { offline: "modeOffline", device: "modeDevice", server: "modeServer", local: "modeLocalOnly" };
  let text = result.disagreed ? fmt(t("modeDisagree"), { v: t(result.disagreed) }) : t(modes[result.source]);
  if (result.source !== "server") text += " · " + trustText();
  mode.textContent = text;
  $("checked-label").textContent = t(result.source === "server" ? "checkedServer" : "checkedDevice");
  $("checked-at").textContent = result.checked_at ? new Date(result.checked_at).toLocaleString(lang) : "";
  const c = result.card, facts = $("facts");
  facts.replaceChildren();
  currentCard = result.source === "server" ? c : null;
  if (c) {
    const rows = [["f_number", c.number], ["f_name", c.name_latin], ["f_dob", c.date_of_birth],
      ["f_cit", c.citizenship], ["f_doc", "…" + c.document_last4], ["f_purpose", c.purpose]];
    if (c.status_now) rows.push(["f_status", t(c.status_now === "active" ? "valid" : c.status_now)]);
    rows.push(["f_stay", c.stay_until], ["f_course", c.course_completed_on || t("courseNo")],
      ["f_expires", c.expires_at ? new Date(c.expires_at).toLocaleString(lang) : "—"]);
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = t(k);
      const dd = document.createElement("dd"); dd.textContent = v;
      facts.append(dt, dd);
    }
  }
  $("action-state").textContent = "";
  renderBorder();
}

function renderBorder() {
  const role = session && session.role;
  const canAct = (role === "border" || role === "admin") && lastResult && lastResult.card;
  $("border-actions").classList.toggle("hidden", !canAct);
  if (!canAct) return;
  let reason = "";
  if (!online()) reason = t("borderOffline");
  else if (!signedIn()) reason = t("sessionExpired");
  else if (!currentCard) reason = t("borderWait");
  $("entry").disabled = $("exit").disabled = !!reason;
  $("border-reason").textContent = reason;
}

// ---- Checking ---------------------------------------------------------------------------
async function checkPayload(payload) {
  const checkedAt = new Date();
  const local = trust ? await verifyProof(payload, trust, checkedAt.getTime()) : null;
  const localCard = local && local.facts ? local.facts : null;
  const canAsk = online() && signedIn();
  if (local) {
    show({ verdict: local.verdict, reason: local.reason, confirmed: local.confirmed, card: localCard, checked_at: checkedAt.toISOString(), source: canAsk ? "device" : online() ? "local" : "offline" });
    verdictShown();
  } else if (!canAsk) {
    $("scan-state").textContent = t("noTrust");
    return;
  }
  if (!canAsk) { if (local) await queueCheck(local, checkedAt); return; }
  let server;
  try {
    const r = await api("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ payload }) });
    if (!r.ok) throw new Error("verify " + r.status);
    server = await r.json();
  } catch (e) {
    // The network went away between the two: the device's verdict stands and is queued.
    if (local) { show(Object.assign({}, lastResult, { source: "offline" })); await queueCheck(local, checkedAt); }
    else $("scan-state").textContent = t("failed");
    return;
  }
  const disagreed = local && local.verdict !== server.verdict ? local.verdict : null;
  show(Object.assign({}, server, { source: "server", disagreed }));
  verdictShown();
  if (disagreed) refreshTrust();
  uploadQueue();
}

// The time from the camera frame that was decoded to the first verdict on screen
// (performance entry "frame-to-verdict"; bench/officer.py reads it).
function verdictShown() {
  if (!performance.getEntriesByName("frame", "mark").length) return;
  performance.measure("frame-to-verdict", "frame");
  performance.clearMarks("frame");
}

async function queueCheck(local, checkedAt) {
  const item = { client_id: crypto.randomUUID(), verdict: local.verdict, checked_at: checkedAt.toISOString(), revocation_confirmed: local.confirmed };
  // Whose check it is (the account's id, kept on the device only): uploaded by that officer.
  if (session && session.userId) item.officer = session.userId;
  // A forged or unreadable proof names no card anyone can trust: logged without one.
  if (local.facts) { item.card_serial = local.facts.serial; item.card_number = local.facts.number.replace("-", ""); }
  await store.enqueue(item);
  await renderQueue();
}

async function renderQueue(uploaded) {
  const items = await store.queued();
  $("queue-state").textContent = items.length ? fmt(t("queued"), { n: items.length }) : uploaded ? fmt(t("uploaded"), { n: uploaded }) : "";
  document.body.dataset.queued = String(items.length);
}

let uploading = false;
async function uploadQueue() {
  if (uploading || !online() || !signedIn()) return;
  uploading = true;
  let sent = 0;
  try {
    // Only the signed-in officer's checks (and those queued before checks had an owner).
    // Checks the service refuses as "in the future" (this phone's clock ran ahead) are held
    // back from this upload and kept: the service takes them once its clock passes them.
    const held = new Set();
    const mine = async () => (await store.queued()).filter((i) => (!i.officer || i.officer === session.userId) && !held.has(i.client_id));
    let items = await mine();
    while (items.length) {
      const batch = items.slice(0, 500);
      const body = batch.map(({ officer, ...item }) => item);
      const r = await api("/api/v1/scans", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ items: body }) });
      if (r.status === 422) {
        // Items the service will never take (e.g. older than it keeps): drop them, send the rest.
        const errors = (await r.json()).errors || [];
        const index = (e) => Number((/^items\.(\d+)/.exec(e.field) || [])[1]);
        const bad = new Set(errors.map(index).filter((n) => !Number.isNaN(n)));
        if (!bad.size) break;
        const later = new Set(errors.filter((e) => e.reason === "is in the future").map(index));
        for (const n of later) { bad.delete(n); if (batch[n]) held.add(batch[n].client_id); }
        await store.dequeue(batch.filter((_, i) => bad.has(i)).map((i) => i.client_id));
      } else if (r.ok) {
        await store.dequeue(batch.map((i) => i.client_id));
        sent += batch.length;
      } else break;
      items = await mine();
    }
  } catch (e) { /* offline again: the queue stays */ }
  uploading = false;
  await renderQueue(sent);
}

async function checkNumber(number) {
  if (!online() || !signedIn()) { $("scan-state").textContent = t("numberOnline"); return; }
  try {
    const r = await api("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ number }) });
    if (r.status === 404) return show({ verdict: "not_found", reason: "", card: null, source: "server" });
    if (!r.ok) { $("scan-state").textContent = t("failed"); return; }
    show(Object.assign(await r.json(), { source: "server" }));
  } catch (e) { $("scan-state").textContent = t("failed"); }
}

async function serverDecode(blob) {
  const r = await api("/api/v1/decode", { method: "POST", headers: { "Content-Type": blob.type || "application/octet-stream" }, body: blob });
  return r.ok ? (await r.json()).text : null;
}

async function startScan() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { $("scan-state").textContent = t("noCamera"); return; }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false });
  } catch (e) { $("scan-state").textContent = t("noCamera"); return; }
  const video = $("video");
  video.srcObject = stream; video.classList.remove("hidden");
  await video.play();
  scanning = true;
  $("scan").classList.add("hidden"); $("stop").classList.remove("hidden");
  $("scan-state").textContent = t("looking");
  try { detector = detector || await makeDetector(); } catch (e) { detector = null; }
  document.body.dataset.scanPath = detector ? detector.path : "server";
  loop();
}
function stopScan() {
  scanning = false;
  if (stream) { stream.getTracks().forEach((tr) => tr.stop()); stream = null; }
  $("video").classList.add("hidden"); $("scan").classList.remove("hidden"); $("stop").classList.add("hidden");
}
async function loop() {
  const video = $("video"), canvas = $("canvas");
  while (scanning) {
    let text = null;
    performance.clearMarks("frame");
    performance.mark("frame");
    try {
      if (detector) text = await detector.detect(video, canvas);
      else if (online() && signedIn() && video.videoWidth) {
        // Last resort when this browser cannot decode: the server reads the frame.
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.85));
        if (blob) text = await serverDecode(blob);
      }
    } catch (e) { /* keep trying */ }
    if (text && scanning) {
      stopScan();
      $("scan-state").textContent = "";
      await checkPayload(text);
      return;
    }
    await new Promise((res) => setTimeout(res, 150));
  }
}

async function onPhoto(e) {
  const file = e.target.files[0];
  if (!file) return;
  let text = null;
  try { text = await wasmDecodeBlob(file); } catch (err) { text = null; }
  if (!text && online() && signedIn()) { try { text = await serverDecode(file); } catch (err) { text = null; } }
  if (text) await checkPayload(text); else $("scan-state").textContent = t("noCode");
  e.target.value = "";
}

async function record(kind) {
  if (!currentCard || !online()) return;
  const crossing = $("crossing").value.trim();
  if (!crossing) { $("action-state").textContent = t("enterCrossing"); return; }
  try {
    const r = await api(`/api/v1/cards/${currentCard.id}/${kind}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ crossing_point: crossing }) });
    const body = await r.json();
    $("action-state").textContent = r.ok ? t("done") + ": " + t(body.status === "active" ? "valid" : body.status) : (body.detail || t("failed"));
  } catch (err) { $("action-state").textContent = t("failed"); }
}

// ---- The service worker: installable, offline, updated as one piece ---------------------
async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  if (sessionStorage.getItem("officer-updated")) {
    sessionStorage.removeItem("officer-updated");
    const notice = $("notice");
    notice.textContent = t("updated");
    notice.classList.remove("hidden");
    document.body.dataset.updated = "true";
  }
  const hadController = !!navigator.serviceWorker.controller;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // A new version took over: reload once into it, never run half-old.
    if (!hadController) return;
    sessionStorage.setItem("officer-updated", "1");
    window.location.reload();
  });
  try {
    const reg = await navigator.serviceWorker.register("/officer/sw.js", { scope: "/officer" });
    document.body.dataset.worker = "registered";
    if (online()) reg.update().catch(() => {});
  } catch (e) { document.body.dataset.worker = "failed"; }
}

// ---- Start ------------------------------------------------------------------------------
$("lang").addEventListener("change", (e) => { lang = e.target.value; localStorage.setItem("lang", lang); applyLang(); });
$("scan").addEventListener("click", startScan);
$("stop").addEventListener("click", stopScan);
$("photo").addEventListener("change", onPhoto);
$("number-form").addEventListener("submit", (e) => { e.preventDefault(); const n = $("number").value.trim(); if (n) checkNumber(n); });
$("entry").addEventListener("click", () => record("entry"));
$("exit").addEventListener("click", () => record("exit"));
$("login-form").addEventListener("submit", signIn);
$("logout").addEventListener("click", signOut);
window.addEventListener("online", () => { renderStatus(); refreshTrust(); uploadQueue(); });
window.addEventListener("offline", renderStatus);
setInterval(() => { renderStatus(); renderSession(); }, 30000);

(async () => {
  applyLang();
  await loadStoredTrust();
  renderStatus();
  await renderQueue();
  document.body.dataset.ready = "true";
  registerWorker();
  if (online()) { await refreshTrust(); uploadQueue(); } else scheduleRefresh();
})();

"use strict";
const T = {
  ru: {
    title: "Проверка e-карты", logout: "Выйти", username: "Имя пользователя", password: "Пароль",
    signin: "Войти", scan: "Сканировать QR", stop: "Остановить", photo: "Или фото QR-кода",
    number: "Номер карты (XXXXX-XXXXX)", check: "Проверить", checked: "Проверено (время сервера)",
    crossing: "Пункт пропуска", entry: "Отметить въезд", exit: "Отметить выезд",
    wrongLogin: "Неверное имя или пароль", noCamera: "Камера недоступна: загрузите фото или введите номер",
    looking: "Наведите камеру на QR-код…", noCode: "QR-код на фото не найден", failed: "Ошибка связи, попробуйте ещё раз",
    done: "Записано", enterCrossing: "Укажите пункт пропуска",
    valid: "Действительна", expired: "Истекла", revoked: "Аннулирована", closed: "Закрыта",
    pending_entry: "Въезд не отмечен", invalid: "Подделка или ошибка", unknown_key: "Неизвестная подпись",
    not_found: "Карта не найдена",
    f_number: "Номер карты", f_name: "Имя (латиницей)", f_dob: "Дата рождения", f_cit: "Гражданство",
    f_doc: "Документ, последние 4", f_purpose: "Цель", f_stay: "Пребывание до", f_course: "Курс адаптации",
    f_status: "Статус сейчас", f_expires: "QR действителен до", courseNo: "не пройден",
  },
  en: {
    title: "E-card check", logout: "Sign out", username: "Username", password: "Password",
    signin: "Sign in", scan: "Scan QR", stop: "Stop", photo: "Or a photo of the QR code",
    number: "Card number (XXXXX-XXXXX)", check: "Check", checked: "Checked (server time)",
    crossing: "Border crossing point", entry: "Record entry", exit: "Record exit",
    wrongLogin: "Wrong username or password", noCamera: "No camera: upload a photo or type the number",
    looking: "Point the camera at the QR code…", noCode: "No QR code found in the photo", failed: "Network error, try again",
    done: "Recorded", enterCrossing: "Enter the crossing point",
    valid: "Valid", expired: "Expired", revoked: "Revoked", closed: "Closed",
    pending_entry: "Entry not recorded", invalid: "Forged or damaged", unknown_key: "Unknown signature",
    not_found: "Card not found",
    f_number: "Card number", f_name: "Name (Latin)", f_dob: "Date of birth", f_cit: "Citizenship",
    f_doc: "Document, last 4", f_purpose: "Purpose", f_stay: "Stay until", f_course: "Adaptation course",
    f_status: "Status now", f_expires: "QR valid until", courseNo: "not completed",
  },
};
const ICONS = { valid: "✔", pending_entry: "⏳", expired: "⌛", closed: "⛔", revoked: "✖", invalid: "✖", unknown_key: "?", not_found: "?" };
const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem("lang") || ((navigator.language || "ru").toLowerCase().startsWith("ru") ? "ru" : "en");
let token = sessionStorage.getItem("token");
let role = null, stream = null, scanning = false, currentCard = null, detector = null;

function t(key) { return (T[lang] && T[lang][key]) || T.en[key] || key; }
function applyLang() {
  document.documentElement.lang = lang;
  $("lang").value = lang;
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((el) => { el.placeholder = t(el.dataset.tp); });
  document.title = t("title");
}
$("lang").addEventListener("change", (e) => { lang = e.target.value; localStorage.setItem("lang", lang); applyLang(); if (lastResult) show(lastResult); });

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {}, token ? { Authorization: "Bearer " + token } : {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401 && path !== "/api/v1/auth/token") { signOut(); throw new Error("auth"); }
  return response;
}

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const body = new URLSearchParams({ username: $("username").value, password: $("password").value });
  const r = await fetch("/api/v1/auth/token", { method: "POST", body });
  if (!r.ok) { $("login-error").textContent = t("wrongLogin"); return; }
  token = (await r.json()).access_token;
  sessionStorage.setItem("token", token);
  await start();
}
function signOut() {
  token = null; sessionStorage.removeItem("token"); stopScan();
  $("app").classList.add("hidden"); $("logout").classList.add("hidden"); $("login").classList.remove("hidden");
}
async function start() {
  const me = await api("/api/v1/auth/me");
  if (!me.ok) return signOut();
  role = (await me.json()).role;
  $("login").classList.add("hidden"); $("app").classList.remove("hidden"); $("logout").classList.remove("hidden");
}

let lastResult = null;
function show(result) {
  lastResult = result;
  const verdict = result.verdict;
  $("result").classList.remove("hidden");
  $("verdict").className = "v-" + verdict;
  $("verdict").dataset.verdict = verdict;
  $("v-icon").textContent = ICONS[verdict] || "?";
  $("v-word").textContent = t(verdict);
  // The server explains in English; other languages show the verdict word alone.
  $("v-why").textContent = lang === "en" && verdict !== "valid" ? (result.reason || "") : "";
  $("checked-at").textContent = result.checked_at ? new Date(result.checked_at).toLocaleString(lang) : "";
  const c = result.card, facts = $("facts");
  facts.replaceChildren();
  currentCard = c;
  if (c) {
    const rows = [["f_number", c.number], ["f_name", c.name_latin], ["f_dob", c.date_of_birth],
      ["f_cit", c.citizenship], ["f_doc", "…" + c.document_last4], ["f_purpose", c.purpose],
      ["f_status", t(c.status_now === "active" ? "valid" : c.status_now)], ["f_stay", c.stay_until],
      ["f_course", c.course_completed_on || t("courseNo")], ["f_expires", c.expires_at ? new Date(c.expires_at).toLocaleString(lang) : "—"]];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"); dt.textContent = t(k);
      const dd = document.createElement("dd"); dd.textContent = v;
      facts.append(dt, dd);
    }
  }
  const canAct = (role === "border" || role === "admin") && c;
  $("border-actions").classList.toggle("hidden", !canAct);
  $("action-state").textContent = "";
}

async function verify(body) {
  try {
    const r = await api("/api/v1/verify", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (r.status === 404) return show({ verdict: "not_found", reason: "", card: null });
    if (!r.ok) { $("scan-state").textContent = t("failed"); return; }
    show(await r.json());
  } catch (e) { if (e.message !== "auth") $("scan-state").textContent = t("failed"); }
}

async function decodeBlob(blob) {
  const r = await api("/api/v1/decode", { method: "POST", headers: { "Content-Type": blob.type || "application/octet-stream" }, body: blob });
  if (r.ok) return (await r.json()).text;
  return null;
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
  if ("BarcodeDetector" in window) {
    try { detector = new BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
  }
  document.body.dataset.scanPath = detector ? "barcode-detector" : "server";
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
    try {
      if (detector) {
        const codes = await detector.detect(video);
        if (codes.length) text = codes[0].rawValue;
      } else if (video.videoWidth) {
        const scale = Math.min(1, 960 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale); canvas.height = Math.round(video.videoHeight * scale);
        canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
        const blob = await new Promise((res) => canvas.toBlob(res, "image/jpeg", 0.85));
        if (blob) text = await decodeBlob(blob);
      }
    } catch (e) { /* keep trying */ }
    if (text && scanning) { stopScan(); $("scan-state").textContent = ""; await verify({ payload: text }); return; }
    await new Promise((res) => setTimeout(res, 250));
  }
}

$("photo").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const text = await decodeBlob(file);
  if (text) await verify({ payload: text }); else $("scan-state").textContent = t("noCode");
  e.target.value = "";
});
$("number-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const number = $("number").value.trim();
  if (number) await verify({ number });
});
async function record(kind) {
  if (!currentCard) return;
  const crossing = $("crossing").value.trim();
  if (!crossing) { $("action-state").textContent = t("enterCrossing"); return; }
  const r = await api(`/api/v1/cards/${currentCard.id}/${kind}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ crossing_point: crossing }) });
  const body = await r.json();
  $("action-state").textContent = r.ok ? t("done") + ": " + t(body.status === "active" ? "valid" : body.status) : (body.detail || t("failed"));
}
$("entry").addEventListener("click", () => record("entry"));
$("exit").addEventListener("click", () => record("exit"));
$("scan").addEventListener("click", startScan);
$("stop").addEventListener("click", stopScan);
$("login-form").addEventListener("submit", signIn);
$("logout").addEventListener("click", signOut);
applyLang();
if (token) start();

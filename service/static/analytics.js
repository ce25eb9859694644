"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("analytics-token");
const SVG = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// A horizontal bar chart; series is [{label, values: [{name, value, colour}]}].
function bars(container, series) {
  container.replaceChildren();
  if (!series.length) { container.textContent = "No cell large enough to show."; return; }
  const width = 900, labelWidth = 220, row = 22, perGroup = series[0].values.length;
  const height = series.length * (row * perGroup + 8) + 10;
  const max = Math.max(1, ...series.flatMap((s) => s.values.map((v) => v.value)));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  let y = 5;
  for (const s of series) {
    svg.append(el("text", { x: 0, y: y + 15 }, s.label));
    for (const v of s.values) {
      const w = Math.max(1, (width - labelWidth - 80) * v.value / max);
      svg.append(el("rect", { x: labelWidth, y, width: w, height: row - 4, fill: v.colour, class: "bar" }));
      svg.append(el("text", { x: labelWidth + w + 6, y: y + 14 }, `${v.value}${v.name ? " " + v.name : ""}`));
      y += row;
    }
    y += 8;
  }
  container.append(svg);
}

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (r.status === 401) { signOut(); throw new Error("auth"); }
  return r;
}

async function cards(by) {
  const params = new URLSearchParams({ by });
  if ($("from").value) params.set("from", $("from").value);
  if ($("to").value) params.set("to", $("to").value);
  const r = await api("/api/v1/stats/cards?" + params);
  const data = await r.json();
  if (!r.ok) { $("note-" + by).textContent = data.detail || "Error"; return; }
  bars($("chart-" + by), data.cells.map((c) => ({ label: c.key, values: [{ name: "", value: c.cards, colour: "#1f4e99" }] })));
  $("note-" + by).textContent = `${data.suppressed_cells} cell(s) under ${data.min_cell} hidden.`;
}

async function course() {
  const r = await api("/api/v1/stats/course");
  if (!r.ok) { $("note-course").textContent = r.status === 404 ? "Course statistics are not available." : "Error"; return; }
  const data = await r.json();
  const modules = new Map();
  for (const c of data.cells) {
    const m = modules.get(c.module) || { started: 0, passed: 0 };
    m.started += c.started; m.passed += c.passed;
    modules.set(c.module, m);
  }
  bars($("chart-course"), [...modules.entries()].map(([label, m]) => ({ label, values: [
    { name: "started", value: m.started, colour: "#8aa4cf" },
    { name: "passed", value: m.passed, colour: "#0a7d32" },
  ] })));
  $("note-course").textContent = `Course version ${data.course_version}; ${data.suppressed_cells} cell(s) under ${data.min_cell} hidden.`;
}

async function show(event) {
  if (event) event.preventDefault();
  try { await Promise.all([cards("region"), cards("occupation"), cards("citizenship"), course()]); }
  catch (e) { /* signed out */ }
  document.body.dataset.ready = "yes";
}

function signOut() {
  token = null; sessionStorage.removeItem("analytics-token");
  $("app").classList.add("hidden"); $("login").classList.remove("hidden");
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = new URLSearchParams({ username: $("username").value, password: $("password").value });
  const r = await fetch("/api/v1/auth/token", { method: "POST", body });
  if (!r.ok) { $("login-error").textContent = "Wrong username or password"; return; }
  token = (await r.json()).access_token;
  sessionStorage.setItem("analytics-token", token);
  $("login").classList.add("hidden"); $("app").classList.remove("hidden");
  await show();
});
$("range").addEventListener("submit", show);
if (token) { $("login").classList.add("hidden"); $("app").classList.remove("hidden"); show(); }

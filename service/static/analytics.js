"use strict";
// The analyst page: every chart is drawn from a table (header + rows) kept in `shown`, and
// the CSV download writes exactly that table. No inline script or style (strict CSP).
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const TOP_GROUPS = 8;
let token = sessionStorage.getItem("analytics-token");
const shown = {};

const TEXT = {
  ru: {
    title: "Onboard: аналитика", language: "Язык", print: "Версия для печати",
    username: "Имя пользователя", password: "Пароль", sign_in: "Войти", from: "С", to: "По",
    show: "Показать", csv: "Скачать CSV", group_by: "Группировка",
    by_region: "по регионам", by_citizenship: "по гражданству", by_purpose: "по цели визита",
    by_occupation: "по роду занятий",
    h_trend: "Помесячно (московское время)", h_region: "Карты по регионам",
    h_occupation: "Карты по роду занятий", h_citizenship: "Карты по гражданству",
    h_purpose: "Карты по цели визита", h_course: "Курс адаптации: начали и сдали, по модулям",
    issued: "Карт оформлено", arrivals: "Въездов отмечено", started: "начали", passed: "сдали",
    suppression_note: "Ячейки меньше порога не показываются; показанные числа округлены до кратного 5, чтобы их нельзя было вычесть одно из другого.",
    wrong_login: "Неверное имя пользователя или пароль", nothing: "Нет ни одной ячейки, достаточно большой для показа.",
    hidden: (n, min, base) => `Скрыто ячеек меньше ${min}: ${n}.` + (base > 1 ? ` Числа округлены до кратного ${base}.` : ""),
    course_na: "Статистика курса недоступна.", error: "Ошибка", range: "Период",
    c_code: "код", c_label: "название", c_count: "карт", c_month: "месяц", c_module: "модуль",
    suppressed: "скрыто", top: (n, all) => `Показаны ${n} крупнейших групп из ${all}.`,
    f_region: "Регион (код)", f_citizenship: "Гражданство (код)", f_occupation: "Род занятий",
    h_quotas: "Квоты и патенты: рабочие карты по регионам", c_quota: "квота", c_patents: "патенты",
    c_work_cards: "рабочих карт за год", c_source: "источник", c_checked: "проверено",
    no_quotas: (y) => `Официальные цифры за ${y} год не внесены (content/policy/quotas/${y}.yaml).`,
    h_outcomes: "Исходы по прохождению курса", by_course: "только по курсу",
    outcomes_filters: "Фильтры региона, гражданства и рода занятий из раздела «Помесячно» действуют и здесь; таблица и CSV называют их в последних столбцах. Выбор обязанности (например, постановки на миграционный учёт) сужает только таблицу обязанностей; её CSV называет выбранную в последнем столбце.",
    h_outcomes_cards: "Завершённые пребывания", h_outcomes_obligations: "Обязанности из памятки, срок которых наступил",
    c_group: "группа", c_course: "курс пройден к сроку", c_total: "всего", yes: "да", no: "нет",
    exit_on_time: "выезд в срок", overstayed: "просрочено (expired)", extended: "продлено", revoked: "аннулировано",
    met_on_time: "выполнено в срок", late: "с опозданием", missed: "не выполнено", share: "доля", c_filter: "фильтр",
    f_obligation: "Обязанность", all_obligations: "все вместе",
  },
  en: {
    title: "Onboard analytics", language: "Language", print: "Printable view",
    username: "Username", password: "Password", sign_in: "Sign in", from: "From", to: "To",
    show: "Show", csv: "Download CSV", group_by: "Group", by_region: "by region",
    by_citizenship: "by citizenship", by_purpose: "by purpose of visit", by_occupation: "by occupation",
    h_trend: "By month (Moscow time)", h_region: "Cards by region", h_occupation: "Cards by occupation",
    h_citizenship: "Cards by citizenship", h_purpose: "Cards by purpose of visit",
    h_course: "Adaptation course: started and passed, by module",
    issued: "Cards issued", arrivals: "Entries recorded", started: "started", passed: "passed",
    suppression_note: "Cells under the threshold are hidden; shown figures are rounded to a multiple of 5 so that two of them cannot be subtracted to reveal a hidden one.",
    wrong_login: "Wrong username or password", nothing: "No cell large enough to show.",
    hidden: (n, min, base) => `${n} cell(s) under ${min} hidden.` + (base > 1 ? ` Figures rounded to a multiple of ${base}.` : ""),
    course_na: "Course statistics are not available.", error: "Error", range: "Period",
    c_code: "code", c_label: "name", c_count: "cards", c_month: "month", c_module: "module",
    suppressed: "hidden", top: (n, all) => `The ${n} largest of ${all} groups are shown.`,
    f_region: "Region (code)", f_citizenship: "Citizenship (code)", f_occupation: "Occupation",
    h_quotas: "Quotas and patents: work cards by region", c_quota: "quota", c_patents: "patents",
    c_work_cards: "work cards this year", c_source: "source", c_checked: "checked on",
    no_quotas: (y) => `No official figure entered for ${y} (content/policy/quotas/${y}.yaml).`,
    h_outcomes: "Outcomes by course completion", by_course: "by course only",
    outcomes_filters: "The region, citizenship and occupation filters of the monthly section apply here too; the table and its CSV name them in the last columns. Choosing an obligation (migration registration, say) narrows the obligations table only; its CSV names the choice in the last column.",
    h_outcomes_cards: "Ended stays", h_outcomes_obligations: "Checklist obligations that fell due",
    c_group: "group", c_course: "course completed by the deadline", c_total: "total", yes: "yes", no: "no",
    exit_on_time: "exit on time", overstayed: "overstayed (expired)", extended: "extended", revoked: "revoked",
    met_on_time: "met on time", late: "late", missed: "missed", share: "share", c_filter: "filter",
    f_obligation: "Obligation", all_obligations: "all together",
  },
};
let lang = localStorage.getItem("analytics-lang") ||
  ((navigator.language || "ru").toLowerCase().startsWith("en") ? "en" : "ru");
const t = (key) => TEXT[lang][key];

function translatePage() {
  document.documentElement.lang = lang;
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").value = lang;
}

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------- CSV

// A cell a spreadsheet would read as a formula (= + - @) or that starts with a control
// character gets a leading apostrophe; then the usual CSV quoting.
function csvCell(value) {
  let s = value === null || value === undefined ? "" : String(value);
  if (typeof value === "string" && /^[=+\-@\u0000-\u001f\u007f]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function toCsv(table) {
  return "\ufeff" + [table.header, ...table.rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function download(name) {
  const table = shown[name];
  if (!table) return;
  const blob = new Blob([toCsv(table)], { type: "text/csv;charset=utf-8" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `onboard-${name}-${lang}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---------------------------------------------------------------- charts

// Horizontal bars; rows are [label, value, ...], series names which columns are drawn.
function bars(container, items) {
  container.replaceChildren();
  if (!items.length) { container.textContent = t("nothing"); return; }
  const width = 920, labelWidth = 300, row = 22, perItem = items[0].values.length;
  const height = items.length * (row * perItem + 8) + 10;
  const max = Math.max(1, ...items.flatMap((s) => s.values.map((v) => v.value)));
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img" });
  let y = 5;
  for (const s of items) {
    svg.append(el("text", { x: 0, y: y + 15 }, s.label));
    for (const v of s.values) {
      const w = Math.max(1, (width - labelWidth - 110) * v.value / max);
      svg.append(el("rect", { x: labelWidth, y, width: w, height: row - 4, class: v.cls, "data-code": s.code, "data-count": v.value }));
      svg.append(el("text", { x: labelWidth + w + 6, y: y + 14 }, `${v.value}${v.name ? " " + v.name : ""}`));
      y += row;
    }
    y += 8;
  }
  container.append(svg);
}

// One small line chart per group: issued (solid) and arrivals (dashed) per month; a
// suppressed month is a gap in the line.
function smallMultiples(container, months, groups, max) {
  container.replaceChildren();
  if (!groups.length) { container.textContent = t("nothing"); return; }
  const w = 290, h = 150, left = 34, right = 8, top = 8, bottom = 22;
  const x = (i) => left + (months.length < 2 ? 0 : i * (w - left - right) / (months.length - 1));
  const y = (v) => top + (h - top - bottom) * (1 - v / max);
  for (const g of groups) {
    const box = document.createElement("div");
    box.className = "multiple";
    box.dataset.code = g.code;
    const title = document.createElement("h3");
    title.textContent = `${g.label} (${g.code})`;
    const svg = el("svg", { viewBox: `0 0 ${w} ${h}`, width: "100%", role: "img", class: "line-chart" });
    svg.append(el("line", { x1: left, y1: y(0), x2: w - right, y2: y(0), class: "axis" }));
    svg.append(el("line", { x1: left, y1: top, x2: left, y2: y(0), class: "axis" }));
    svg.append(el("text", { x: 2, y: y(max) + 10 }, String(max)));
    svg.append(el("text", { x: 2, y: y(0) }, "0"));
    svg.append(el("text", { x: left, y: h - 4 }, months[0]));
    if (months.length > 1) svg.append(el("text", { x: w - right - 46, y: h - 4 }, months[months.length - 1]));
    for (const measure of ["issued", "arrivals"]) {
      let d = "", pen = "M";
      g.months.forEach((m, i) => {
        const v = m[measure];
        if (v === null) { pen = "M"; return; }
        d += `${pen}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
        pen = "L";
        svg.append(el("circle", { cx: x(i), cy: y(v), r: 2.5, class: `dot-${measure}`, "data-month": m.month, "data-measure": measure, "data-value": v }));
      });
      if (d) svg.append(el("path", { d, class: `line-${measure}` }));
    }
    box.append(title, svg);
    container.append(box);
  }
}

// ---------------------------------------------------------------- data

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  if (r.status === 401) { signOut(); throw new Error("auth"); }
  return r;
}

function rangeParams(extra) {
  const params = new URLSearchParams({ ...extra, lang });
  if ($("from").value) params.set("from", $("from").value);
  if ($("to").value) params.set("to", $("to").value);
  return params;
}

async function cards(by) {
  const r = await api("/api/v1/stats/cards?" + rangeParams({ by }));
  const data = await r.json();
  if (!r.ok) { $("note-" + by).textContent = data.detail || t("error"); return; }
  shown[by] = {
    header: [t("c_code"), t("c_label"), t("c_count")],
    rows: data.items.map((i) => [i.code, i.label, i.count]),
  };
  bars($("chart-" + by), shown[by].rows.map(([code, label, count]) => ({
    code, label: code === label ? label : `${label} (${code})`, values: [{ name: "", value: count, cls: "bar" }],
  })));
  $("note-" + by).textContent = t("hidden")(data.suppressed_cells, data.min_cell, data.round_base);
}

// The filters the server applied (echoed in its answer) go with every row of a table.
const FILTER_COLUMNS = ["region", "citizenship", "occupation"];
const filterHeader = () => FILTER_COLUMNS.map((f) => `${t("c_filter")}: ${t("f_" + f)}`);
const filterCells = (data) => FILTER_COLUMNS.map((f) => data.filters[f] || "");

async function trend() {
  const by = $("trend-by").value;
  const params = rangeParams({ by });
  for (const f of ["region", "citizenship", "occupation"]) {
    const v = $("filter-" + f).value.trim();
    if (v) params.set(f, f === "occupation" ? v : v.toUpperCase());
  }
  const r = await api("/api/v1/stats/cards/monthly?" + params);
  const data = await r.json();
  if (!r.ok) { $("note-trend").textContent = data.detail || t("error"); return; }
  const groups = data.groups.slice(0, TOP_GROUPS);
  const rows = [];
  for (const g of groups) for (const m of g.months) {
    rows.push([m.month, g.code, g.label, m.issued === null ? t("suppressed") : m.issued,
      m.arrivals === null ? t("suppressed") : m.arrivals, ...filterCells(data)]);
  }
  shown.trend = { header: [t("c_month"), t("c_code"), t("c_label"), t("issued"), t("arrivals"), ...filterHeader()], rows };
  const max = Math.max(1, ...groups.flatMap((g) => g.months.flatMap((m) => [m.issued || 0, m.arrivals || 0])));
  smallMultiples($("chart-trend"), data.months, groups, max);
  let note = t("hidden")(data.suppressed_cells, data.min_cell, data.round_base);
  if (data.groups.length > groups.length) note += " " + t("top")(groups.length, data.groups.length);
  $("note-trend").textContent = note;
  $("print-range").textContent = `${t("range")}: ${data.from} — ${data.to}`;
}

// A table drawn from `shown[name]`, the same rows the CSV gets.
function table(container, name) {
  const data = shown[name];
  container.replaceChildren();
  if (!data.rows.length) { container.textContent = t("nothing"); return; }
  const tableEl = document.createElement("table");
  const head = tableEl.createTHead().insertRow();
  for (const h of data.header) { const th = document.createElement("th"); th.textContent = h; head.append(th); }
  const body = tableEl.createTBody();
  for (const row of data.rows) {
    const tr = body.insertRow();
    for (const cell of row) tr.insertCell().textContent = String(cell);
  }
  container.append(tableEl);
}

// The obligation choices come with each answer (the policy's ids and titles in `lang`).
function obligationChoices(choices) {
  const select = $("outcomes-obligation");
  const chosen = select.value;
  const all = document.createElement("option");
  all.value = ""; all.textContent = t("all_obligations");
  select.replaceChildren(all, ...choices.map((c) => {
    const option = document.createElement("option");
    option.value = c.code; option.textContent = c.label;
    return option;
  }));
  select.value = choices.some((c) => c.code === chosen) ? chosen : "";
}

function pct(v) { return v === null ? t("suppressed") : `${Math.round(v * 1000) / 10}%`; }

async function outcomes() {
  const by = $("outcomes-by").value;
  const params = new URLSearchParams({ by, lang });
  for (const f of ["region", "citizenship", "occupation"]) {  // the monthly filters narrow outcomes too
    const v = $("filter-" + f).value.trim();
    if (v) params.set(f, f === "occupation" ? v : v.toUpperCase());
  }
  if ($("outcomes-obligation").value) params.set("obligation", $("outcomes-obligation").value);
  const r = await api("/api/v1/stats/outcomes?" + params);
  const data = await r.json();
  if (!r.ok) { $("note-outcomes").textContent = data.detail || t("error"); return; }
  obligationChoices(data.obligation_choices);
  // The obligations table also names the obligation it was narrowed to (title and id).
  const obligation = data.obligation_choices.find((c) => c.code === data.filters.obligation);
  const extra = {
    cards: { header: [], cells: [] },
    obligations: { header: [`${t("c_filter")}: ${t("f_obligation")}`],
      cells: [obligation ? `${obligation.label} (${obligation.code})` : t("all_obligations")] },
  };
  for (const [part, kinds] of [["cards", ["exit_on_time", "overstayed", "extended", "revoked"]],
    ["obligations", ["met_on_time", "late", "missed"]]]) {
    const name = "outcomes-" + part;
    shown[name] = {
      header: [t("c_code"), t("c_group"), t("c_course"), t("c_total"),
        ...kinds.flatMap((k) => [t(k), `${t(k)}, ${t("share")}`]), ...filterHeader(), ...extra[part].header],
      rows: data[part].map((g) => [g.code, g.label, g.course_completed ? t("yes") : t("no"),
        g.total === null ? t("suppressed") : g.total,
        ...kinds.flatMap((k) => [g.counts[k] === null ? t("suppressed") : g.counts[k], pct(g.shares[k])]),
        ...filterCells(data), ...extra[part].cells]),
    };
    table($("table-" + name), name);
  }
  $("note-outcomes").textContent = data.note + " " + t("hidden")(data.suppressed_cells, data.min_cell, data.round_base);
}

async function quotas() {
  const r = await api("/api/v1/stats/quotas?" + new URLSearchParams({ lang }));
  const data = await r.json();
  if (!r.ok) { $("note-quotas").textContent = data.detail || t("error"); return; }
  const fig = (f) => (f ? [f.value, f.source, f.checked_on] : ["", "", ""]);
  shown.quotas = {
    header: [t("c_code"), t("c_label"), t("c_work_cards"), t("c_quota"), t("c_source"), t("c_checked"),
      t("c_patents"), t("c_source"), t("c_checked")],
    rows: data.regions.map((q) => [q.code, q.label, q.work_cards === null ? t("suppressed") : q.work_cards,
      ...fig(q.quota), ...fig(q.patents)]),
  };
  table($("table-quotas"), "quotas");
  $("note-quotas").textContent = data.regions.length ? `${data.year}` : t("no_quotas")(data.year);
}

async function course() {
  const r = await api("/api/v1/stats/course");
  if (!r.ok) { $("note-course").textContent = r.status === 404 ? t("course_na") : t("error"); return; }
  const data = await r.json();
  const modules = new Map();
  for (const c of data.cells) {
    const m = modules.get(c.module) || { started: 0, passed: 0 };
    m.started += c.started; m.passed += c.passed;
    modules.set(c.module, m);
  }
  shown.course = {
    header: [t("c_module"), t("started"), t("passed")],
    rows: [...modules.entries()].map(([module, m]) => [module, m.started, m.passed]),
  };
  bars($("chart-course"), shown.course.rows.map(([module, started, passed]) => ({ code: module, label: module, values: [
    { name: t("started"), value: started, cls: "bar-started" },
    { name: t("passed"), value: passed, cls: "bar-passed" },
  ] })));
  $("note-course").textContent = `v${data.course_version}; ` + t("hidden")(data.suppressed_cells, data.min_cell, 1);
}

async function show(event) {
  if (event) event.preventDefault();
  document.body.dataset.ready = "no";
  try {
    await Promise.all([trend(), outcomes(), quotas(), cards("region"), cards("occupation"), cards("citizenship"), cards("purpose"), course()]);
  } catch (e) { /* signed out */ }
  document.body.dataset.ready = "yes";
}

function signOut() {
  token = null; sessionStorage.removeItem("analytics-token");
  $("app").classList.add("hidden"); $("login").classList.remove("hidden");
}

function start() {
  translatePage();
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams({ username: $("username").value, password: $("password").value });
    const r = await fetch("/api/v1/auth/token", { method: "POST", body });
    if (!r.ok) { $("login-error").textContent = t("wrong_login"); return; }
    token = (await r.json()).access_token;
    sessionStorage.setItem("analytics-token", token);
    $("login").classList.add("hidden"); $("app").classList.remove("hidden");
    await show();
  });
  $("range").addEventListener("submit", show);
  const redrawTrend = async (event) => {
    if (event) event.preventDefault();
    document.body.dataset.ready = "no";
    try { await Promise.all([trend(), outcomes()]); } catch (e) { /* signed out */ }
    document.body.dataset.ready = "yes";
  };
  $("trend-by").addEventListener("change", redrawTrend);
  $("trend-form").addEventListener("submit", redrawTrend);
  const redrawOutcomes = async () => {
    document.body.dataset.ready = "no";
    try { await outcomes(); } catch (e) { /* signed out */ }
    document.body.dataset.ready = "yes";
  };
  $("outcomes-by").addEventListener("change", redrawOutcomes);
  $("outcomes-obligation").addEventListener("change", redrawOutcomes);
  $("lang").addEventListener("change", async () => {
    lang = $("lang").value; localStorage.setItem("analytics-lang", lang);
    translatePage();
    if (token) await show();
  });
  $("print").addEventListener("click", () => window.print());
  for (const b of document.querySelectorAll("button.csv")) b.addEventListener("click", () => download(b.dataset.csv));
  if (token) { $("login").classList.add("hidden"); $("app").classList.remove("hidden"); show(); }
}

start();

// The explorer: its state lives in the page's URL (a link restores the view), its data comes
// from the API, and every part (chart, table, detail, search) is drawn from that state.

import { apiUrl, getJSON } from "./api.js";
import { element } from "./dom.js";
import { drawChart, legendKey, markShapes, svg } from "./chart.js";
import { renderDetail } from "./detail.js";
import { BASES, QUALIFIERS, figureInWords, formatNumber, inferences, periodKey, periodSpan, spreadOf } from "./figures.js";

const $ = (selector) => document.querySelector(selector);
const COLOURS = 8; // Okabe-Ito, in explorer.css: safe for every common colour blindness

const state = { origin: "", destination: "", region: "", metrics: [], asOf: "", selected: null, q: "" };
const data = { pairs: [], metrics: new Map(), regions: [], figures: [], events: [], sources: new Map() };

// ---- State and the URL

function readState() {
  const query = new URLSearchParams(window.location.search);
  state.origin = (query.get("origin") ?? "").toUpperCase();
  state.destination = (query.get("destination") ?? "").toUpperCase();
  state.region = query.get("region") ?? "";
  state.metrics = query.getAll("metric");
  state.asOf = query.get("as_of") ?? "";
  state.q = query.get("q") ?? "";
  const observation = Number(query.get("observation"));
  const event = Number(query.get("event"));
  state.selected = observation
    ? { kind: "observation", id: observation }
    : event
      ? { kind: "event", id: event }
      : null;
}

function writeState({ push = true } = {}) {
  const query = apiUrl(window.location.pathname, {
    origin: state.origin,
    destination: state.destination,
    region: state.region,
    metric: state.metrics,
    as_of: state.asOf,
    [state.selected?.kind ?? "none"]: state.selected?.id,
    q: state.q,
  });
  if (query === window.location.pathname + window.location.search) return;
  if (push) window.history.pushState(null, "", query);
  else window.history.replaceState(null, "", query);
}

function pairOf(origin, destination) {
  return data.pairs.find((p) => p.origin === origin && p.destination === destination);
}

// The metrics shown first for a pair: those in the unit most of its metrics share (a chart
// has one value axis), so that competing figures of related measures appear together.
function defaultMetrics(pair) {
  const byUnit = new Map();
  for (const code of pair.metrics) {
    const unit = data.metrics.get(code)?.unit ?? "";
    byUnit.set(unit, [...(byUnit.get(unit) ?? []), code]);
  }
  return [...byUnit.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

// Fill what the URL leaves out (or names wrongly) with what the data has.
function settleState() {
  const byCount = [...data.pairs].sort((a, b) => b.observation_count - a.observation_count);
  if (!data.pairs.some((p) => p.origin === state.origin)) state.origin = byCount[0]?.origin ?? "";
  if (!pairOf(state.origin, state.destination)) {
    state.destination = byCount.find((p) => p.origin === state.origin)?.destination ?? "";
    state.metrics = [];
  }
  const pair = pairOf(state.origin, state.destination);
  if (!pair) return;
  state.metrics = state.metrics.filter((code) => pair.metrics.includes(code));
  if (!state.metrics.length) state.metrics = defaultMetrics(pair);
}

// ---- Controls

function countryOption(code, name, selected) {
  const option = element("option", { value: code, text: `${name} (${code})` });
  option.selected = selected;
  return option;
}

function renderControls() {
  const origins = new Map(data.pairs.map((p) => [p.origin, p.origin_name]));
  $("#origin").replaceChildren(
    ...[...origins].map(([code, name]) => countryOption(code, name, code === state.origin)),
  );
  const destinations = data.pairs.filter((p) => p.origin === state.origin);
  $("#destination").replaceChildren(
    ...destinations.map((p) => countryOption(p.destination, p.destination_name, p.destination === state.destination)),
  );
  const pair = pairOf(state.origin, state.destination);
  const options = (pair?.metrics ?? []).map((code) => {
    const metric = data.metrics.get(code);
    const box = element("input", { type: "checkbox", name: "metric", value: code, id: `metric-${code}` });
    box.checked = state.metrics.includes(code);
    const hint = element("span", { class: "unit", text: metric ? ` (${metric.unit})` : "" });
    const label = element("label", { for: box.id, title: metric?.definition ?? "" }, metric?.name ?? code, hint);
    return element("span", { class: "option" }, box, label);
  });
  $("#metric-options").replaceChildren(...options);
  const regions = data.regions.map(({ value, count }) => {
    const option = element("option", { value: value ?? "", text: `${value ?? "Whole country"} (${count} ${count === 1 ? "figure" : "figures"})` });
    option.selected = (value ?? "") === state.region;
    return option;
  });
  $("#region").replaceChildren(...regions);
  $("#as-of").value = state.asOf;
  $("#as-of").max = new Date().toISOString().slice(0, 10);
  $("#q").value = state.q;
}

// ---- Reading the figures

// The regions of the destination the pair's figures name (null: the whole country), so a
// regional figure is one choice away rather than missing from the chart.
async function loadRegions() {
  const pair = { origin: state.origin, destination: state.destination };
  const page = await getJSON(apiUrl("/v1/observations", { ...pair, facet: "region", fields: "id", limit: 1 }));
  data.regions = page.meta.facets.region.values;
  if (!data.regions.some((r) => (r.value ?? "") === state.region)) state.region = "";
  if (!data.regions.some((r) => r.value === null)) data.regions.unshift({ value: null, count: 0 });
}

// The view's figures: the series the chart, the table and "Download CSV" all show.
function seriesParameters() {
  return {
    origin: state.origin,
    destination: state.destination,
    region: state.region,
    metric: state.metrics,
    as_of: state.asOf,
  };
}

async function loadView() {
  const series = state.metrics.length
    ? await getJSON(apiUrl("/v1/series", seriesParameters()))
    : { data: [] };
  data.figures = series.data.flatMap((period) =>
    period.metrics.flatMap((group) =>
      group.observations.map((figure) => ({
        ...figure,
        metricName: data.metrics.get(figure.metric)?.name ?? figure.metric,
      })),
    ),
  );
  const { origin, destination, as_of } = seriesParameters();
  data.events = await getJSON(apiUrl("/v1/events", { origin, destination, as_of }))
    .then((page) => page.data)
    .catch(() => []); // the chart is still worth showing without its context
  await loadSources(data.figures.map((f) => f.source_id));
}

async function loadSources(ids) {
  const missing = [...new Set(ids)].filter((id) => !data.sources.has(id));
  const read = await Promise.all(missing.map((id) => getJSON(`/v1/sources/${id}`)));
  for (const source of read) data.sources.set(source.id, source);
}

// Colour by who said it, in a stable order, so a view and its link look the same.
function colours() {
  const names = [...new Set(data.figures.map((f) => f.attributed_to))].sort();
  return new Map(names.map((name, i) => [name, `c${i % COLOURS}`]));
}

function byPeriod(a, b) {
  const start = (f) => periodSpan(f)?.[0] ?? periodSpan(f)?.[1] ?? Infinity;
  return start(a) - start(b) || a.metric.localeCompare(b.metric) || a.id - b.id;
}

// ---- Drawing

function renderSummary(colourOf) {
  const groups = new Map();
  for (const figure of data.figures.filter((f) => periodSpan(f))) {
    const key = `${periodKey(figure)}|${figure.unit}`;
    groups.set(key, [...(groups.get(key) ?? []), figure]);
  }
  // Periods with more than one figure: the competing figures a reader came to compare.
  const competing = [...groups.values()].filter((figures) => figures.length > 1);
  const blocks = competing.map((figures) => {
    const [low, high] = spreadOf(figures);
    const items = figures.map((f) => {
      const open = element("button", { type: "button", class: "linklike", "data-id": f.id, text: `${figureInWords(f)} ${f.metricName.toLowerCase()}` });
      open.addEventListener("click", () => select("observation", f.id));
      return element("li", {}, element("span", { class: `key ${colourOf.get(f.attributed_to)}`, "aria-hidden": "true" }), open, `: ${f.attributed_to}`);
    });
    const metrics = new Set(figures.map((f) => f.metric));
    return element(
      "div",
      { class: "competing" },
      element("h3", { text: `${figures[0].period_label}: ${figures.length} figures, from ${formatNumber(low)} to ${formatNumber(high)} ${figures[0].unit}` }),
      element("ul", {}, ...items),
      metrics.size > 1 ? element("p", { class: "caveat", text: "They do not all count the same thing: read each one's notes." }) : null,
    );
  });
  const total = data.figures.length;
  const said = total === 1 ? "1 figure" : `${total} figures`;
  const when = state.asOf ? ` as the API held them on ${state.asOf}` : "";
  const lead = total
    ? `${said}${when}. Select one to read its quote and copy its citation.`
    : data.pairs.length
      ? `No figures for this choice${when}.`
      : "No figures yet: an editor adds them through the API (POST /v1/imports), or `laborstats seed` loads the sample.";
  $("#summary").replaceChildren(element("p", { text: lead }), ...blocks);
}

function renderCharts(colourOf) {
  const units = [...new Set(state.metrics.map((code) => data.metrics.get(code)?.unit))];
  const charts = $("#charts");
  charts.replaceChildren();
  for (const unit of units) {
    const figures = data.figures.filter((f) => f.unit === unit);
    if (!figures.length) continue;
    drawChart(charts, {
      unit,
      figures,
      events: data.events,
      colorOf: (f) => colourOf.get(f.attributed_to),
      selected: state.selected,
      onSelect: select,
    });
  }
}

function renderLegend(colourOf) {
  if (!data.figures.length) {
    $("#legend").replaceChildren();
    return;
  }
  const mark = (qualifier, classes) =>
    legendKey(`mark q-${qualifier} ${classes}`, (icon) => markShapes(icon, qualifier, [-22, 22]));
  const who = [...colourOf].map(([name, colour]) => element("li", {}, mark("exact", colour), name));
  const shown = new Set(data.figures.map((f) => f.qualifier));
  const shapes = Object.entries(QUALIFIERS)
    .filter(([code]) => shown.has(code))
    .map(([code, words]) => element("li", {}, mark(code, "c-none"), words));
  const band = legendKey("", (icon) => svg("rect", { x: -24, y: -18, width: 48, height: 36, class: "band" }, icon));
  const more = [element("li", {}, band, "the spread of a period's figures, lowest to highest")];
  if (data.figures.some((f) => f.basis === "projection")) {
    more.push(element("li", {}, mark("exact", "b-projection c-none"), "projection: hollow, dashed"));
  }
  if (data.figures.some((f) => inferences(f).length)) {
    more.push(element("li", {}, element("span", { class: "flag-sign", text: "*" }), " inferred, not stated (dashed period line); select for the reason"));
  }
  if (data.events.length) {
    const strip = legendKey("", (icon) => svg("rect", { x: -6, y: -24, width: 12, height: 48, class: "event-strip" }, icon));
    more.push(element("li", {}, strip, "context event, as wide as its date is precise"));
  }
  $("#legend").replaceChildren(
    element("div", {}, element("h3", { text: "Who said it" }), element("ul", {}, ...who)),
    element("div", {}, element("h3", { text: "Marks" }), element("ul", {}, ...shapes, ...more)),
  );
}

// A `*` for the values of `record` marked inferred (those `which` picks), its reason shown
// on hover or keyboard focus.
let flagCount = 0;
function inferredFlag(record, which = () => true) {
  const picked = Object.fromEntries(Object.entries(record.inferred ?? {}).filter(([name]) => which(name)));
  const marked = inferences({ inferred: picked });
  if (!marked.length) return null;
  flagCount += 1;
  const id = `inferred-${flagCount}`;
  const note = element("span", { class: "flag-text", role: "tooltip", id, text: `Inferred, not stated: ${marked.join("; ")}` });
  return element("span", { class: "flag", tabindex: "0", "aria-describedby": id }, element("span", { class: "flag-sign", text: "*", "aria-hidden": "true" }), element("span", { class: "visually-hidden", text: "inferred" }), note);
}

function renderTable(colourOf) {
  const rows = [...data.figures].sort(byPeriod).map((f) => {
    const open = element("button", { type: "button", class: "linklike", "data-id": f.id, text: `${figureInWords(f)} ${f.unit}` });
    open.addEventListener("click", () => select("observation", f.id));
    const source = data.sources.get(f.source_id);
    const row = element(
      "tr",
      { "data-id": f.id, class: state.selected?.kind === "observation" && state.selected.id === f.id ? "selected" : "" },
      element("td", {}, f.period_label, inferredFlag(f, (name) => name === "period")),
      element("td", { text: f.metricName }),
      element("td", {}, element("span", { class: `key ${colourOf.get(f.attributed_to)}`, "aria-hidden": "true" }), open, inferredFlag(f, (name) => name !== "period")),
      element("td", { text: BASES[f.basis] ?? f.basis }),
      element("td", { text: f.attributed_to }),
      element("td", {}, element("a", { href: `/v1/sources/${f.source_id}`, text: source?.title ?? `source ${f.source_id}` })),
    );
    return row;
  });
  $("#table tbody").replaceChildren(...rows);
}

function renderEvents() {
  if (!data.events.length) {
    $("#events").replaceChildren();
    return;
  }
  const items = data.events.map((event) => {
    const open = element("button", { type: "button", class: "linklike", "data-event-id": event.id, text: `${event.occurred_on}: ${event.title}` });
    open.addEventListener("click", () => select("event", event.id));
    return element("li", {}, open, inferredFlag(event));
  });
  $("#events").replaceChildren(element("h3", { text: "Context" }), element("ul", {}, ...items));
}

function renderCsvLink() {
  $("#csv").href = apiUrl("/v1/series", { ...seriesParameters(), format: "csv" });
}

function render() {
  const colourOf = colours();
  renderSummary(colourOf);
  renderCharts(colourOf);
  renderLegend(colourOf);
  renderTable(colourOf);
  renderEvents();
  renderCsvLink();
  return renderDetail($("#detail"), state, data);
}

// ---- Actions

function showProblem(error) {
  const box = $("#problem");
  box.textContent = error ? `Could not load: ${error.message}` : "";
  box.hidden = !error;
}

// Tests and readers of the page's state wait on `data-loading`, set while a view is read.
async function refresh() {
  document.body.dataset.loading = "true";
  showProblem(null);
  try {
    await loadView();
  } catch (error) {
    data.figures = [];
    showProblem(error);
  }
  await render();
  delete document.body.dataset.loading;
}

function select(kind, id) {
  const focused = document.activeElement;
  const key = focused?.dataset?.id ? `[data-id="${focused.dataset.id}"]` : null;
  const where = [".chart", "table", "#summary"].find((part) => focused?.closest?.(part)) ?? "";
  state.selected = { kind, id };
  writeState();
  document.body.dataset.loading = "true";
  render()
    .then(() => {
      // On a narrow screen the detail sits below everything: bring it up.
      const panel = $("#detail").getBoundingClientRect();
      if (panel.top > window.innerHeight) $("#detail").scrollIntoView({ block: "start" });
    })
    .finally(() => delete document.body.dataset.loading);
  // Keep keyboard focus where it was: the element was drawn again.
  if (key) document.querySelector(`${where} ${key}`)?.focus({ preventScroll: true });
}

async function openSearchResult(figure) {
  if (!pairOf(figure.origin, figure.destination)) return;
  const samePair = figure.origin === state.origin && figure.destination === state.destination;
  state.origin = figure.origin;
  state.destination = figure.destination;
  state.region = figure.region ?? "";
  if (!samePair) state.metrics = defaultMetrics(pairOf(state.origin, state.destination));
  if (!state.metrics.includes(figure.metric)) state.metrics.push(figure.metric);
  state.selected = { kind: "observation", id: figure.id };
  await loadRegions().catch(showProblem);
  state.region = figure.region ?? "";
  writeState();
  renderControls();
  await refresh();
  $("#detail").focus();
}

function highlighted(snippet, highlights) {
  const characters = Array.from(snippet); // offsets count code points, as the API's do
  const parts = [];
  let at = 0;
  for (const [start, end] of highlights ?? []) {
    parts.push(characters.slice(at, start).join(""), element("mark", { text: characters.slice(start, end).join("") }));
    at = end;
  }
  parts.push(characters.slice(at).join(""));
  return parts;
}

async function search() {
  const results = $("#search-results");
  if (!state.q) {
    results.replaceChildren();
    return;
  }
  try {
    const page = await getJSON(apiUrl("/v1/observations", { q: state.q, as_of: state.asOf, limit: 20 }));
    const items = page.data.map((figure) => {
      const open = element(
        "button",
        { type: "button", class: "result", "data-id": figure.id },
        element("span", { class: "snippet" }, ...highlighted(figure.match.snippet, figure.match.highlights)),
        element("span", {
          class: "about",
          text: `${figureInWords(figure)} ${figure.unit}, ${figure.metric}, ${figure.origin} to ${figure.destination}, ${figure.period_label}: ${figure.attributed_to} (matched in ${figure.match.field.replace("_", " ")})`,
        }),
      );
      open.addEventListener("click", () => openSearchResult(figure));
      return element("li", {}, open);
    });
    const said = page.data.length ? `${page.data.length}${page.meta.next_cursor ? "+" : ""} matching figures` : "No figure matches.";
    results.replaceChildren(element("p", { text: said }), element("ol", {}, ...items));
  } catch (error) {
    results.replaceChildren(element("p", { class: "problem", text: error.message }));
  }
}

async function changePair() {
  settleState();
  await loadRegions().catch(showProblem);
  writeState();
  renderControls();
  await refresh();
}

function wire() {
  $("#origin").addEventListener("change", (event) => {
    state.origin = event.target.value;
    state.destination = "";
    state.region = "";
    state.selected = null;
    changePair();
  });
  $("#destination").addEventListener("change", (event) => {
    state.destination = event.target.value;
    state.metrics = [];
    state.region = "";
    state.selected = null;
    changePair();
  });
  $("#region").addEventListener("change", (event) => {
    state.region = event.target.value;
    writeState();
    refresh();
  });
  $("#metric-options").addEventListener("change", () => {
    state.metrics = [...document.querySelectorAll("#metric-options input:checked")].map((box) => box.value);
    writeState();
    refresh();
  });
  $("#as-of").addEventListener("change", (event) => {
    state.asOf = event.target.value;
    writeState();
    refresh();
    search();
  });
  $("#as-of-clear").addEventListener("click", () => {
    state.asOf = "";
    $("#as-of").value = "";
    writeState();
    refresh();
    search();
  });
  $("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("#q").value.trim();
    writeState();
    search();
  });
  window.addEventListener("popstate", async () => {
    readState();
    settleState();
    await loadRegions().catch(showProblem);
    renderControls();
    await refresh();
    search();
  });
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => renderCharts(colours()), 150);
  });
}

async function start() {
  try {
    const [pairs, metrics] = await Promise.all([getJSON("/v1/pairs"), getJSON("/v1/metrics")]);
    data.pairs = pairs.data;
    data.metrics = new Map(metrics.data.map((m) => [m.code, m]));
  } catch (error) {
    showProblem(error);
    return;
  }
  readState();
  settleState();
  await loadRegions().catch(showProblem);
  writeState({ push: false });
  renderControls();
  wire();
  await Promise.all([refresh(), search()]);
  document.body.dataset.ready = "true";
}

start();

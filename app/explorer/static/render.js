// Drawing the view from the state: the summary, the charts, the legend, the table, the
// events, the CSV link, and the loading state while the API is read.

import { apiUrl } from "./api.js";
import { drawCharts } from "./chart.js";
import { renderDetail } from "./detail.js";
import { element, prose } from "./dom.js";
import {
  QUALIFIERS,
  figureInWords,
  formatNumber,
  fromTable,
  inferences,
  officialStatistics,
  periodKey,
  periodSpan,
  spreadOf,
} from "./figures.js";
import { seriesParameters } from "./load.js";
import { legendKey, markShapes, svg } from "./marks.js";
import { data, state } from "./state.js";
import { inferredFlag, renderTable } from "./table.js";

const $ = (selector) => document.querySelector(selector);
const COLOURS = 8; // Okabe-Ito, in explorer.css: safe for every common colour blindness

// Colour by who said it, in a stable order, so a view and its link look the same.
export function colours() {
  const names = [...new Set(data.figures.map((f) => f.attributed_to))].sort();
  return new Map(names.map((name, i) => [name, `c${i % COLOURS}`]));
}

// One panel per metric with figures in the view, in the catalog's words: those with dated
// figures first, then by name.
function panels() {
  const byMetric = new Map();
  for (const figure of data.figures) byMetric.set(figure.metric, [...(byMetric.get(figure.metric) ?? []), figure]);
  const dated = (figures) => figures.some((f) => periodSpan(f));
  return [...byMetric]
    .map(([code, figures]) => {
      const metric = data.metrics.get(code);
      return { code, name: metric?.name ?? code, unit: metric?.unit ?? figures[0].unit, definition: metric?.definition ?? "", figures };
    })
    .sort((a, b) => dated(b.figures) - dated(a.figures) || a.name.localeCompare(b.name));
}

// "A, B and C".
function listed(words) {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

// Totals of one metric for one period, more than one: the figures a reader came to compare.
function competingBlocks(colourOf, onSelect) {
  const groups = new Map();
  for (const figure of data.figures.filter((f) => periodSpan(f) && !f.part)) {
    const key = `${periodKey(figure)}|${figure.metric}`;
    groups.set(key, [...(groups.get(key) ?? []), figure]);
  }
  return [...groups.values()]
    .filter((figures) => figures.length > 1)
    .map((figures) => {
      const [low, high] = spreadOf(figures);
      const items = figures.map((f) => {
        const open = element("button", { type: "button", class: "linklike", "data-id": f.id, text: figureInWords(f) });
        open.addEventListener("click", () => onSelect("observation", f.id));
        return element("li", {}, element("span", { class: `key ${colourOf.get(f.attributed_to)}`, "aria-hidden": "true" }), open, `: ${f.attributed_to}`);
      });
      const { metricName, period_label, unit } = figures[0];
      const heading = `${metricName}, ${period_label}: ${figures.length} figures, from ${formatNumber(low)} to ${formatNumber(high)} ${unit}`;
      return element("div", { class: "competing" }, element("h3", { text: heading }), element("ul", {}, ...items));
    });
}

function renderSummary(colourOf, onSelect) {
  const total = data.figures.length;
  const when = state.asOf ? ` as the API held them on ${state.asOf}` : "";
  const shown = panels().map((p) => p.name);
  const parts = data.figures.filter((f) => f.part).length;
  const figures = total === 1 ? "1 figure" : `${total} figures`;
  const counted = shown.length === 1
    ? `${figures} of one measure${when}: ${shown[0]}.`
    : `${figures} of ${shown.length} measures${when}, each in a panel of its own on its own scale: ${listed(shown)}.`;
  const marked = parts === 1 ? " 1 is a breakdown, marked as a part." : parts ? ` ${parts} are breakdowns, marked as parts.` : "";
  const tabled = data.figures.filter(fromTable).length;
  const read = tabled === 1
    ? " 1 is read from a statistical table."
    : tabled ? ` ${tabled} are read from statistical tables, each table's series drawn as a line.` : "";
  const lead = total
    ? `${counted}${marked}${read}`
    : data.pairs.length
      ? `No figures for this choice${when}.`
      : "No figures yet: an editor adds them through the API (POST /v1/imports), or the command laborstats seed loads the sample.";
  const missing = state.metrics.filter((code) => total && !data.figures.some((f) => f.metric === code));
  const names = missing.map((code) => data.metrics.get(code)?.name ?? code);
  const where = state.region ? `${state.region} figure` : "whole-country figure";
  const absent = names.length ? [element("p", { class: "hint", text: `No ${where} for ${listed(names)}.` })] : [];
  $("#summary").replaceChildren(element("p", { text: lead }), ...absent, ...competingBlocks(colourOf, onSelect));
}

export function renderCharts(colourOf, onSelect) {
  const charts = $("#charts");
  charts.replaceChildren();
  drawCharts(charts, {
    panels: panels(),
    events: data.events,
    colorOf: (f) => colourOf.get(f.attributed_to),
    sourceOf: (id) => data.sources.get(id),
    selected: state.selected,
    onSelect,
  });
}

function renderLegend(colourOf) {
  if (!data.figures.length) {
    $("#legend").replaceChildren();
    return;
  }
  const mark = (qualifier, classes, part = false) =>
    legendKey(`mark q-${qualifier} ${classes}`, (icon) => markShapes(icon, qualifier, [-22, 22], part));
  const line = (colour) =>
    legendKey(`mark q-exact table-line ${colour}`, (icon) => {
      svg("path", { d: "M-26,14 L-12,2 L0,0 L12,-8 L26,-12" }, icon);
      markShapes(icon, "exact");
    });
  // Who said each claim (a figure quoted from a text); then each table's publisher, whose
  // figures are a line.
  const claimed = new Set(data.figures.filter((f) => !fromTable(f)).map((f) => f.attributed_to));
  const who = [...colourOf].filter(([name]) => claimed.has(name)).map(([name, colour]) => element("li", {}, mark("exact", colour), name));
  const official = new Map();
  for (const f of data.figures.filter(fromTable)) {
    const name = officialStatistics(data.sources.get(f.source_id), f.source_id);
    const colour = colourOf.get(f.attributed_to);
    if (!official.has(`${colour}|${name}`)) official.set(`${colour}|${name}`, { name, colour, sourceId: f.source_id });
  }
  const tables = [...official.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, colour, sourceId }) => element("li", { class: "table-key", "data-source-id": sourceId }, line(colour), name));
  const shown = new Set(data.figures.map((f) => f.qualifier));
  const shapes = Object.entries(QUALIFIERS)
    .filter(([code]) => shown.has(code))
    .map(([code, words]) => element("li", {}, mark(code, "c-none"), words));
  const more = [];
  if (data.figures.some((f) => f.part)) {
    more.push(element("li", {}, mark("exact", "c-none", true), "a part (a breakdown): square; a dotted line joins it to its total"));
  }
  if (document.querySelector("#charts .table-line")) {
    const dashed = document.querySelector("#charts .table-line.part") ? " (dashed for a breakdown)" : "";
    more.push(element("li", {}, line("c-none"), `a line: the figures of one statistical table, in period order${dashed}, labelled at its ends; select a point for its cell`));
  }
  if (document.querySelector("#charts .band")) {
    const band = legendKey("", (icon) => svg("rect", { x: -24, y: -18, width: 48, height: 36, class: "band" }, icon));
    more.push(element("li", {}, band, "the spread of one measure's totals for a period, lowest to highest"));
  }
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
    element("div", {}, element("h3", { text: "Who said it" }), element("ul", {}, ...who, ...tables)),
    element("div", {}, element("h3", { text: "Marks" }), element("ul", {}, ...shapes, ...more)),
  );
}

function renderEvents(onSelect) {
  if (!data.events.length) {
    $("#events").replaceChildren();
    return;
  }
  const items = data.events.map((event) => {
    const open = element("button", { type: "button", class: "linklike", "data-event-id": event.id, text: `${event.occurred_on}: ${event.title}` });
    open.addEventListener("click", () => onSelect("event", event.id));
    return element("li", {}, open, inferredFlag(event));
  });
  $("#events").replaceChildren(element("h3", { text: "Context" }), element("ul", {}, ...items));
}

// The rows shown, as CSV: the same query with format=csv; nothing to download, no link.
function renderCsvLink() {
  const link = $("#csv");
  if (data.figures.length) {
    link.href = apiUrl("/v1/series", { ...seriesParameters(), format: "csv" });
    link.removeAttribute("aria-disabled");
  } else {
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
  }
}

// While the API is read: said in words (a live region) and the figures marked busy.
export function showLoading(loading) {
  $("#status").textContent = loading ? "Reading the figures from the API…" : "";
  $("#figures").setAttribute("aria-busy", String(loading));
}

// A problem reading the API, in the API's own words (`code` in them shown as code).
export function showProblem(error) {
  const box = $("#problem");
  box.replaceChildren(...(error ? prose(`Could not load: ${error.message}`) : []));
  box.hidden = !error;
}

// `onSelect(kind, id)`: what a click on a figure or an event does.
export function render(onSelect) {
  const colourOf = colours();
  renderSummary(colourOf, onSelect);
  renderCharts(colourOf, onSelect);
  renderLegend(colourOf);
  renderTable(colourOf, onSelect);
  renderEvents(onSelect);
  renderCsvLink();
  return renderDetail($("#detail"), state, data, onSelect);
}

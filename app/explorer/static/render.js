// Drawing the view from the state: the summary, the charts, the legend, the table, the events.

import { apiUrl } from "./api.js";
import { element } from "./dom.js";
import { drawChart, legendKey, markShapes, svg } from "./chart.js";
import { renderDetail } from "./detail.js";
import { BASES, QUALIFIERS, figureInWords, formatNumber, inferences, periodKey, periodSpan, spreadOf } from "./figures.js";
import { seriesParameters } from "./load.js";
import { data, state } from "./state.js";

const $ = (selector) => document.querySelector(selector);
const COLOURS = 8; // Okabe-Ito, in explorer.css: safe for every common colour blindness

// Colour by who said it, in a stable order, so a view and its link look the same.
export function colours() {
  const names = [...new Set(data.figures.map((f) => f.attributed_to))].sort();
  return new Map(names.map((name, i) => [name, `c${i % COLOURS}`]));
}

function byPeriod(a, b) {
  const start = (f) => periodSpan(f)?.[0] ?? periodSpan(f)?.[1] ?? Infinity;
  return start(a) - start(b) || a.metric.localeCompare(b.metric) || a.id - b.id;
}

function renderSummary(colourOf, onSelect) {
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
      open.addEventListener("click", () => onSelect("observation", f.id));
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

export function renderCharts(colourOf, onSelect) {
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
      onSelect,
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

function renderTable(colourOf, onSelect) {
  const rows = [...data.figures].sort(byPeriod).map((f) => {
    const open = element("button", { type: "button", class: "linklike", "data-id": f.id, text: `${figureInWords(f)} ${f.unit}` });
    open.addEventListener("click", () => onSelect("observation", f.id));
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

function renderCsvLink() {
  $("#csv").href = apiUrl("/v1/series", { ...seriesParameters(), format: "csv" });
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
  return renderDetail($("#detail"), state, data);
}

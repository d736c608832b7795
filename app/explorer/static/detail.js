// The selected figure or event: its quote (or, for a figure read from a table, its cell),
// who said it, its source, its dates, its history, and a citation to copy, in the formats
// the API writes.

import { apiUrl, getJSON } from "./api.js";
import { element } from "./dom.js";
import {
  BASES,
  QUALIFIERS,
  breakdownWords,
  cellKeys,
  cellWords,
  figureInWords,
  fromTable,
  inferences,
  partWords,
} from "./figures.js";

const FORMATS = { text: "Text", bibtex: "BibTeX", ris: "RIS", csl: "CSL-JSON" };

function entry(term, ...description) {
  return [element("dt", { text: term }), element("dd", {}, ...description)];
}

function link(href, text) {
  return element("a", { href, text });
}

function sourceLinks(source, quoteUrl) {
  const parts = [source.url ? link(source.url, source.description) : link(`/v1/sources/${source.id}`, source.description)];
  for (const relay of source.relay_chain ?? []) parts.push(", as relayed by ", link(`/v1/sources/${relay.id}`, relay.description));
  if (quoteUrl) parts.push(". ", link(quoteUrl, "The quote in the source's text"));
  return parts;
}

// A figure read from a table, where a quote would be: its cell (and the series key, period
// and flag an SDMX-CSV cell names), the file, a link to the cell and one to the whole file,
// and who publishes it.
function cellBlock(figure, source) {
  const file = `/v1/sources/${figure.source_id}/file`;
  const { row, column } = figure.cell;
  const keys = cellKeys(figure.cell).map(([name, value]) => element("li", {}, element("span", { class: "cell-key", text: `${name}: ` }), value));
  return element(
    "div",
    { id: "cell", class: "table-cell" },
    element("p", { id: "cell-where", class: "cell-where", text: cellWords(figure.cell) }),
    keys.length ? element("ul", { class: "cell-keys" }, ...keys) : null,
    element("p", { class: "cell-file" }, "In the file ", element("span", { class: "file-name", text: source.file_name ?? `of source ${source.id}` })),
    element(
      "p",
      { class: "cell-links" },
      element("a", { id: "cell-link", href: figure.cell_url ?? `${file}#cell=${row},${column}`, text: "The cell in the file" }),
      " · ",
      element("a", { id: "file-link", href: file, text: "the whole file" }),
    ),
    element("p", { id: "publisher", class: "cell-publisher", text: `Published by ${source.publisher || source.title}` }),
  );
}

// A figure of the view, as a button that selects it; one outside the view, as a link.
function figureLink(figure, id, onSelect) {
  if (!figure) return link(`/v1/observations/${id}`, `observation ${id}`);
  const open = element("button", { type: "button", class: "linklike", "data-id": figure.id, text: `${figureInWords(figure)} ${figure.unit} (observation ${figure.id})` });
  open.addEventListener("click", () => onSelect("observation", figure.id));
  return open;
}

// A breakdown: what it is a part of; a total: its parts in the view.
function partsList(figure, data, onSelect) {
  if (Object.keys(figure.dimensions ?? {}).length) {
    const words = partWords(figure);
    if (!figure.part_of) return entry("A part", words);
    const total = data.figures.find((f) => f.id === figure.part_of);
    return entry("Part of", figureLink(total, figure.part_of, onSelect), `: ${breakdownWords(figure.dimensions)}`);
  }
  const parts = data.figures.filter((f) => f.part_of === figure.id);
  if (!parts.length) return [];
  const items = parts.map((part) => element("li", {}, figureLink(part, part.id, onSelect), `: ${breakdownWords(part.dimensions)}`));
  return entry("Its parts", element("ul", {}, ...items));
}

function inferredList(record) {
  const marked = inferences(record);
  if (!marked.length) return [];
  return entry("Inferred, not stated", element("ul", {}, ...marked.map((line) => element("li", { text: line }))));
}

// A citation block: the formats in a menu, the chosen one shown, and a button to copy it.
function citationBlock(formats) {
  const choose = element("select", { id: "citation-format" });
  for (const [code, name] of Object.entries(FORMATS)) {
    if (formats[code] !== undefined) choose.append(element("option", { value: code, text: name }));
  }
  const shown = element("pre", { id: "citation-text", tabindex: "0" });
  const status = element("span", { id: "copy-status", role: "status" });
  const copy = element("button", { type: "button", id: "copy-citation", text: "Copy citation" });
  const current = () => {
    const value = formats[choose.value];
    return typeof value === "string" ? value : JSON.stringify(value, null, 2);
  };
  const show = () => {
    shown.textContent = current();
    status.textContent = "";
  };
  choose.addEventListener("change", show);
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(current());
      status.textContent = "Copied.";
    } catch {
      // No clipboard (a page not served over HTTPS, say): select the text to copy by hand.
      window.getSelection().selectAllChildren(shown);
      status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
    }
  });
  show();
  return element(
    "div",
    { class: "citation" },
    element("label", { for: "citation-format", text: "Cite it as" }),
    " ",
    choose,
    shown,
    copy,
    " ",
    status,
  );
}

async function observationDetail(id, state, data, onSelect) {
  const asOf = state.asOf;
  const figure =
    data.figures.find((f) => f.id === id) ?? (await getJSON(apiUrl(`/v1/observations/${id}`, { as_of: asOf })));
  const [citation, source] = await Promise.all([
    getJSON(apiUrl(`/v1/observations/${id}/citation`, { as_of: asOf })),
    data.sources.get(figure.source_id) ?? getJSON(`/v1/sources/${figure.source_id}`),
  ]);
  const metric = data.metrics.get(figure.metric);
  const period = [figure.period_start, figure.period_end].some(Boolean)
    ? `${figure.period_label} (${figure.period_start ?? "start not given"} to ${figure.period_end ?? "end not given"})`
    : figure.period_label;
  const breakdown = Object.entries(figure.dimensions ?? {}).map(([k, v]) => `${k}: ${v}`);
  const shownHere = data.figures.some((f) => f.id === id);
  return [
    element("h2", { id: "detail-title", text: `${figureInWords(figure)} ${figure.unit}` }),
    element("p", {
      class: "what",
      text: `${metric?.name ?? figure.metric}, ${figure.origin} to ${figure.destination}${figure.region ? ` (${figure.region})` : ""}${breakdown.length ? `, ${breakdown.join(", ")}` : ""}`,
    }),
    shownHere ? null : element("p", { class: "hint", text: "Not drawn in this view: its measure, region or date is not the view's." }),
    fromTable(figure) ? cellBlock(figure, source) : null,
    figure.quote || !fromTable(figure) ? element("blockquote", { id: "quote", cite: figure.quote_url ?? "" }, element("p", { text: figure.quote })) : null,
    element("p", { class: "attribution", id: "attributed-to", text: `${figure.attributed_to}, in ${source.description}` }),
    citationBlock(citation),
    element(
      "dl",
      {},
      ...entry("What kind of figure", `${BASES[figure.basis] ?? figure.basis}; ${QUALIFIERS[figure.qualifier] ?? figure.qualifier}`),
      ...entry("Source", ...sourceLinks(source, figure.quote_url)),
      ...partsList(figure, data, onSelect),
      ...entry("Period", period),
      ...entry("Reported on", figure.reported_on ?? "not given"),
      ...(figure.notes ? entry("Notes", figure.notes) : []),
      ...inferredList(figure),
      ...entry(
        "Revisions",
        `revision ${figure.revision}${figure.retracted ? ", retracted" : ""}: `,
        link(`/v1/observations/${id}/history`, "history"),
        " · ",
        link(`/v1/observations/${id}`, "JSON"),
      ),
    ),
  ];
}

async function eventDetail(id, state, data) {
  // An event outside the list (retracted, say) is read as it is now: GET /v1/events/{id}
  // takes no as_of.
  const event = data.events.find((e) => e.id === id) ?? (await getJSON(`/v1/events/${id}`));
  const source = data.sources.get(event.source_id) ?? (await getJSON(`/v1/sources/${event.source_id}`));
  return [
    element("h2", { id: "detail-title", text: event.title }),
    element("p", { class: "what", text: `Context event, ${event.occurred_on}` }),
    element("blockquote", { id: "quote" }, element("p", { text: event.quote })),
    element("p", { class: "attribution", text: `In ${source.description}` }),
    citationBlock({ text: event.citation }),
    element(
      "dl",
      {},
      ...entry("Date", event.occurred_on),
      ...entry("Source", ...sourceLinks(source, null)),
      ...(event.notes ? entry("Notes", event.notes) : []),
      ...inferredList(event),
      ...entry("Revisions", `revision ${event.revision}: `, link(`/v1/events/${id}/history`, "history"), " · ", link(`/v1/events/${id}`, "JSON")),
    ),
  ];
}

// `onSelect(kind, id)`: what choosing a figure named here (a part's total, say) does.
export async function renderDetail(panel, state, data, onSelect) {
  const selected = state.selected;
  if (!selected) {
    panel.replaceChildren(
      element("h2", { id: "detail-title", text: "Select a figure" }),
      element("p", { class: "hint", text: "Select a mark on the chart or a figure in the table to read its quote (or the table cell it is read from), its source and its citation." }),
    );
    return;
  }
  const draw = selected.kind === "event" ? eventDetail : observationDetail;
  try {
    const parts = await draw(selected.id, state, data, onSelect);
    if (state.selected === selected) panel.replaceChildren(...parts.filter(Boolean));
  } catch (error) {
    panel.replaceChildren(
      element("h2", { id: "detail-title", text: `No ${selected.kind} ${selected.id}` }),
      element("p", { class: "problem", text: error.message }),
    );
  }
}

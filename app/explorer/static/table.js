// The table: every figure of the view, a row each (a card each on a phone), a breakdown
// right after its total and saying what it is a part of.

import { element } from "./dom.js";
import { BASES, figureInWords, inferences, partWords, periodSpan } from "./figures.js";
import { data, state } from "./state.js";

const $ = (selector) => document.querySelector(selector);

// A `*` for the values of `record` marked inferred (those `which` picks), its reason shown
// on hover or keyboard focus.
let flagCount = 0;
export function inferredFlag(record, which = () => true) {
  const picked = Object.fromEntries(Object.entries(record.inferred ?? {}).filter(([name]) => which(name)));
  const marked = inferences({ inferred: picked });
  if (!marked.length) return null;
  flagCount += 1;
  const id = `inferred-${flagCount}`;
  const note = element("span", { class: "flag-text", role: "tooltip", id, text: `Inferred, not stated: ${marked.join("; ")}` });
  return element("span", { class: "flag", tabindex: "0", "aria-describedby": id }, element("span", { class: "flag-sign", text: "*", "aria-hidden": "true" }), element("span", { class: "visually-hidden", text: "inferred" }), note);
}

// Periods in order (undated last), then metrics; a part right after its total.
function order(a, b) {
  const start = (f) => periodSpan(f)?.[0] ?? periodSpan(f)?.[1] ?? Infinity;
  const total = (f) => f.part_of ?? f.id;
  return start(a) - start(b) || a.metricName.localeCompare(b.metricName) || total(a) - total(b) || a.part - b.part || a.id - b.id;
}

// "part of observation 3: visa type student", its "observation 3" a button to the total
// when the view shows it.
function partNote(figure, onSelect) {
  const words = partWords(figure);
  if (!words) return null;
  const total = data.figures.find((f) => f.id === figure.part_of);
  if (!total) return element("span", { class: "part-note", text: words });
  const [before, after] = words.split(`observation ${total.id}`);
  const open = element("button", { type: "button", class: "linklike", "data-total-id": total.id, text: `observation ${total.id}` });
  open.addEventListener("click", () => onSelect("observation", total.id));
  return element("span", { class: "part-note" }, before, open, after);
}

// A cell with its column's name, which a card shows beside the value.
function cell(label, ...content) {
  return element("td", { "data-label": label, role: "cell" }, element("span", { class: "cell" }, ...content));
}

export function renderTable(colourOf, onSelect) {
  const rows = [...data.figures].sort(order).map((f) => {
    const open = element("button", { type: "button", class: "linklike", "data-id": f.id, text: `${figureInWords(f)} ${f.unit}` });
    open.addEventListener("click", () => onSelect("observation", f.id));
    const source = data.sources.get(f.source_id);
    const selected = state.selected?.kind === "observation" && state.selected.id === f.id;
    return element(
      "tr",
      { "data-id": f.id, role: "row", class: [f.part ? "part" : "", selected ? "selected" : ""].join(" ").trim() },
      cell("Period", f.period_label, inferredFlag(f, (name) => name === "period")),
      cell("What", element("span", { class: "metric-name", text: f.metricName }), partNote(f, onSelect)),
      cell("Figure", element("span", { class: `key ${colourOf.get(f.attributed_to)}`, "aria-hidden": "true" }), open, inferredFlag(f, (name) => name !== "period")),
      cell("Kind", BASES[f.basis] ?? f.basis),
      cell("Who said it", f.attributed_to),
      cell("Source", element("a", { href: `/v1/sources/${f.source_id}`, text: source?.title ?? `source ${f.source_id}` })),
    );
  });
  $("#table tbody").replaceChildren(...rows);
  $("#listing").hidden = !rows.length && !data.events.length;
}

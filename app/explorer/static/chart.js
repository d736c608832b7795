// The charts: small multiples, one panel per metric (one axis counts one kind of thing),
// all sharing the time axis. A panel's value scale comes from its own dated figures;
// figures with no period sit in a column of their own, on a scale of their own. Each figure
// is its own mark, shaped by its qualifier (a square for a part), coloured by who said it;
// the figures of one statistical table's series are joined by a line, in period order; a
// period's band spans that metric's totals only; events are dated strips.

import { element } from "./dom.js";
import {
  cellWords,
  dateSpan,
  centralValue,
  figureInSigns,
  figureInWords,
  formatNumber,
  fromTable,
  inferences,
  officialStatistics,
  partWords,
  periodKey,
  periodSpan,
  spreadOf,
  tableSeries,
} from "./figures.js";
import { dodge, labelSide, markShapes, svg, text, valueScale } from "./marks.js";

const PLOT = 110; // a panel's plot height; one with no dated figure is lower
const UNDATED_PLOT = 70;
const MARGIN = { top: 26, right: 12, bottom: 30, left: 54 };
const GAP = 14; // between the dated plot and the column of figures with no period
const CROWDED = 18; // a line's points closer than this are drawn smaller

// Dated figures grouped by period: each group shares an x extent and a band.
function periods(figures, domainEnd) {
  const groups = new Map();
  for (const figure of figures) {
    const span = periodSpan(figure);
    const key = periodKey(figure);
    if (!groups.has(key)) {
      groups.set(key, {
        label: figure.period_label,
        start: span[0] ?? span[1] - 1,
        end: span[1] ?? domainEnd,
        open: span[1] === null,
        figures: [],
      });
    }
    groups.get(key).figures.push(figure);
  }
  return [...groups.values()];
}

function timeDomain(figures, events) {
  const edges = [];
  for (const figure of figures) {
    const span = periodSpan(figure);
    if (span[0] !== null) edges.push(span[0], span[1] ?? span[0] + 1);
    if (span[1] !== null) edges.push(span[1], span[0] ?? span[1] - 1);
  }
  for (const event of events) {
    const span = dateSpan(event.occurred_on);
    if (span) edges.push(...span);
  }
  if (!edges.length) return null;
  return [Math.floor(Math.min(...edges)), Math.ceil(Math.max(...edges))];
}

// What every panel shares: the time scale, and where the column of undated figures sits.
function frameOf(width, figures, events) {
  const dated = figures.filter((f) => periodSpan(f));
  const domain = timeDomain(dated, dated.length ? events : []);
  const undated = figures.length > dated.length;
  const plotLeft = MARGIN.left;
  const slot = !undated ? 0 : domain ? Math.min(170, Math.max(120, width * 0.22)) : width - plotLeft - MARGIN.right;
  const slotLeft = width - MARGIN.right - slot;
  const plotRight = slot ? slotLeft - GAP : width - MARGIN.right;
  const x = domain
    ? (t) => plotLeft + ((t - domain[0]) / (domain[1] - domain[0])) * (plotRight - plotLeft)
    : () => plotLeft;
  return { width, domain, x, plotLeft, plotRight, slot, slotLeft };
}

// Gridlines and labels of a value scale, from `left` to `right`; labels at `labelX`, their
// boxes added to `taken` (no mark's label covers them).
function valueAxis(axis, scale, left, right, labelX, anchor, taken) {
  axis.setAttribute("data-scale-max", scale.top);
  for (const v of scale.ticks) {
    svg("line", { x1: left, x2: right, y1: scale.y(v), y2: scale.y(v), class: "grid" }, axis);
    const y = anchor === "end" ? scale.y(v) + 4 : scale.y(v) - 3;
    const label = formatNumber(v);
    text(axis, labelX, y, label, { "text-anchor": anchor });
    const wide = label.length * 6.5;
    taken.push([anchor === "end" ? labelX - wide : labelX, anchor === "end" ? labelX : labelX + wide, y - 10, y + 2]);
  }
}

function eventLabel(event, room) {
  const full = `${event.title} (${event.occurred_on})`;
  const fits = Math.max(4, Math.floor(room / 6.2));
  return full.length <= fits ? full : `${full.slice(0, fits - 1)}…`;
}

// A tooltip in the panel's own SVG, placed by attributes (the CSP allows no inline style):
// `lines` wrapped to fit, beside `target`.
function showTip(root, target, lines, width) {
  hideTips();
  const tip = svg("g", { class: "tooltip", role: "tooltip" }, root);
  const box = svg("rect", { rx: 4 }, tip);
  const words = svg("text", {}, tip);
  const room = Math.min(300, width - 24);
  // Each row ends in a space, so that the tooltip's text reads as its lines, words apart.
  let rows = 0;
  for (const line of lines) {
    let row = null;
    for (const word of line.split(" ")) {
      const before = row?.textContent;
      if (row) row.textContent = `${before}${word} `;
      if (row && row.getComputedTextLength() <= room) continue;
      if (row) row.textContent = before;
      rows += 1;
      row = svg("tspan", { x: 8, y: rows * 16 }, words);
      row.textContent = `${word} `;
    }
  }
  const wide = words.getBBox().width + 16;
  box.setAttribute("width", wide);
  box.setAttribute("height", rows * 16 + 8);
  const scale = width / root.getBoundingClientRect().width;
  const frame = root.getBoundingClientRect();
  const at = target.getBoundingClientRect();
  const right = (at.right - frame.left) * scale + 8;
  const left = right + wide <= width ? right : (at.left - frame.left) * scale - 8 - wide;
  const top = Math.max(0, (at.top - frame.top) * scale - 8);
  tip.setAttribute("transform", `translate(${Math.max(0, left).toFixed(1)},${top.toFixed(1)})`);
}

function hideTips() {
  for (const tip of document.querySelectorAll(".chart .tooltip")) tip.remove();
}

// How marks and events answer a pointer, a tap and keys.
function interactions(root, width) {
  return (target, label, lines, select) => {
    target.setAttribute("tabindex", "0");
    target.setAttribute("role", "button");
    target.setAttribute("aria-label", label);
    target.addEventListener("click", select);
    target.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select();
      }
    });
    for (const name of ["mouseenter", "focus"]) target.addEventListener(name, () => showTip(root, target, lines, width));
    for (const name of ["mouseleave", "blur"]) target.addEventListener(name, hideTips);
  };
}

function drawEvents(root, frame, events, { first, interactive, selected, onSelect, plot }) {
  const { x, plotRight } = frame;
  for (const event of events) {
    const span = dateSpan(event.occurred_on);
    if (!span) continue;
    const x0 = x(span[0]);
    const strip = { x: x0, y: MARGIN.top - 6, width: Math.max(2, x(span[1]) - x0), height: plot + 6 };
    if (!first) {
      // The same strip in every other panel, for the eye only: the first panel's is the one to select.
      svg("rect", { ...strip, class: "event-echo", "aria-hidden": "true" }, root);
      continue;
    }
    const group = svg("g", { class: "event", "data-event-id": event.id }, root);
    if (selected?.kind === "event" && selected.id === event.id) group.classList.add("selected");
    svg("rect", strip, group);
    text(group, x0 + 4, MARGIN.top - 10, eventLabel(event, plotRight - x0 - 4), { class: "event-label" });
    const lines = [`${event.occurred_on}: ${event.title}`, "Context event. Select to read its source."];
    interactive(group, `Event, ${event.occurred_on}: ${event.title}`, lines, () => onSelect("event", event.id));
  }
}

// A line through the marks of each series of table figures (`placed`: where the marks
// stand), named for a screen reader as the legend names it. Its ends' labels go outward
// (else above them, off the line). Answers the ids of the figures whose labels it leaves
// out: all but its ends (a line reads by its shape, and every value is in its marks'
// tooltips and in the table); and, for a line whose points stand closer than a mark is
// wide (yearly figures on a phone, say), how close: their marks are drawn smaller.
function drawTableLines(group, panel, placed, { colorOf, sourceOf }) {
  const unlabelled = new Set();
  const crowded = new Map();
  for (const series of tableSeries(placed.map((p) => p.f))) {
    const points = series.figures.map((f) => placed.find((p) => p.f.id === f.id));
    if (points.length < 2) continue;
    const first = series.figures[0];
    const last = series.figures.at(-1);
    const [low, high] = spreadOf(series.figures);
    const name = officialStatistics(sourceOf(series.sourceId), series.sourceId) + (series.series ? ` (series ${series.series})` : "");
    const line = svg("g", {
      class: `table-line ${colorOf(first)}${first.part ? " part" : ""}`,
      "data-source-id": series.sourceId,
      "data-metric": panel.code,
      "data-ids": series.figures.map((f) => f.id).join(" "),
      role: "img",
      "aria-label": `${name}: ${panel.name}, a line through ${points.length} figures from ${first.period_label} to ${last.period_label}, ${formatNumber(low)} to ${formatNumber(high)} ${first.unit}`,
    }, group);
    if (series.series) line.setAttribute("data-series", series.series);
    svg("path", { d: points.map((p, i) => `${i ? "L" : "M"}${p.at.toFixed(1)},${p.row.toFixed(1)}`).join(" ") }, line);
    points[0].sides = ["left", "above", "right"];
    points.at(-1).sides = ["right", "above", "left"];
    for (const f of series.figures.slice(1, -1)) unlabelled.add(f.id);
    const gap = Math.min(...points.slice(1).map((p, i) => p.at - points[i].at));
    if (gap < CROWDED) for (const f of series.figures) crowded.set(f.id, gap);
  }
  return { unlabelled, crowded };
}

// One metric's panel: its name, unit and definition from the catalog, then its figures.
function drawPanel(container, frame, panel, options) {
  const { width, domain, x, plotLeft, plotRight, slot, slotLeft } = frame;
  const { colorOf, selected, onSelect } = options;
  const dated = panel.figures.filter((f) => periodSpan(f));
  const undated = panel.figures.filter((f) => !periodSpan(f));
  const plot = dated.length ? PLOT : UNDATED_PLOT;
  const base = MARGIN.top + plot;
  const titleId = `panel-title-${panel.code}`;
  const title = element("h3", { id: titleId, class: "panel-title" }, panel.name, " ", element("span", { class: "unit", text: `(${panel.unit})` }));
  const figure = element("figure", { class: "chart panel", "data-metric": panel.code }, element("figcaption", {}, title));
  const root = svg("svg", { viewBox: `0 0 ${width} ${base + MARGIN.bottom}`, width: "100%", role: "group", "aria-labelledby": titleId });
  figure.append(root);
  if (panel.definition) figure.append(element("p", { class: "definition", text: panel.definition }));
  const interactive = interactions(root, width);

  const taken = []; // the boxes of labels drawn: axes', then marks'
  const datedScale = valueScale(dated, base, plot);
  const undatedScale = valueScale(undated, base, plot);
  if (domain) {
    const axis = svg("g", { class: "axis dated-axis", "aria-hidden": "true" }, root);
    if (dated.length) valueAxis(axis, datedScale, plotLeft, plotRight, plotLeft - 8, "end", taken);
    const years = domain[1] - domain[0];
    const every = Math.max(1, Math.ceil(years / ((plotRight - plotLeft) / 56)));
    for (let year = domain[0]; year <= domain[1]; year += 1) {
      svg("line", { x1: x(year), x2: x(year), y1: base, y2: base + 6 }, axis);
      if (year < domain[1] && (year - domain[0]) % every === 0) {
        text(axis, x(year + 0.5), base + 20, String(year), { "text-anchor": "middle" });
      }
    }
    svg("line", { x1: plotLeft, x2: plotRight, y1: base, y2: base, class: "baseline" }, axis);
  }
  if (slot) {
    const column = svg("g", { class: "axis undated-axis", "aria-hidden": "true" }, root);
    svg("rect", { x: slotLeft, y: MARGIN.top - 6, width: slot, height: plot + 6, class: "undated" }, column);
    if (undated.length) valueAxis(column, undatedScale, slotLeft, slotLeft + slot, slotLeft + 4, "start", taken);
    svg("line", { x1: slotLeft, x2: slotLeft + slot, y1: base, y2: base, class: "baseline" }, column);
    text(column, slotLeft + slot / 2, base + 20, "no period given", { "text-anchor": "middle", class: "axis-note" });
  }
  if (domain) drawEvents(root, frame, options.events, { ...options, interactive, plot });

  // Bands, then period lines, then marks: marks stay on top and take the clicks.
  const bands = svg("g", { class: "bands" }, root);
  const lines = svg("g", { class: "periods", "aria-hidden": "true" }, root);
  const tableLines = svg("g", { class: "table-lines" }, root);
  const marks = svg("g", { class: "marks" }, root);
  const placed = [];
  const onLines = new Set(tableSeries(dated).filter((s) => s.figures.length > 1).flatMap((s) => s.figures.map((f) => f.id)));
  for (const group of domain ? periods(dated, domain[1]) : []) {
    const x0 = x(group.start);
    const x1 = x(group.end);
    const y = datedScale.y;
    const totals = group.figures.filter((f) => !f.part);
    const [low, high] = totals.length ? spreadOf(totals) : [0, 0];
    if (totals.length > 1 || low < high) {
      const band = svg("rect", {
        class: "band",
        x: x0,
        width: Math.max(2, x1 - x0),
        y: y(high),
        height: Math.max(2, y(low) - y(high)),
        "data-period": group.label,
        "data-metric": panel.code,
        "data-low": low,
        "data-high": high,
      }, bands);
      const said = totals.length === 1 ? "1 figure" : `${totals.length} figures`;
      svg("title", {}, band).textContent = `${panel.name}, ${group.label}: ${formatNumber(low)} to ${formatNumber(high)} ${panel.unit} (${said})`;
      if (totals.length > 1) text(bands, (x0 + x1) / 2, Math.max(10, y(high) - 30), said, { class: "band-label", "text-anchor": "middle" });
    }
    const centre = group.open ? x0 + Math.min(28, (x1 - x0) / 3) : (x0 + x1) / 2;
    // A table line's points stand at the period's centre (the line reads straight through
    // them, without the period's line); the period's other figures are spread beside them.
    const apart = group.figures.filter((f) => !onLines.has(f.id));
    const lined = apart.length < group.figures.length;
    const slots = dodge(apart.length + (lined ? 1 : 0), x1 - x0);
    const offsets = lined ? slots.slice(1).map((offset) => offset - slots[0]) : slots;
    group.figures.forEach((f) => {
      const offset = onLines.has(f.id) ? 0 : offsets[apart.indexOf(f)];
      const row = y(centralValue(f));
      if (!onLines.has(f.id)) svg("line", { x1: x0, x2: x1, y1: row, y2: row, class: "period" in (f.inferred ?? {}) ? "inferred" : "" }, lines);
      if (group.open) svg("path", { d: `M${x1 - 8},${row - 5} L${x1},${row} L${x1 - 8},${row + 5}`, class: "open-end" }, lines);
      placed.push({ f, at: centre + offset, row, y, preferLeft: offset < 0 || centre + offset + 80 > plotRight });
    });
  }
  const offsets = dodge(undated.length, slot);
  undated.forEach((f, i) => {
    const at = slotLeft + slot / 2 + offsets[i];
    placed.push({ f, at, row: undatedScale.y(centralValue(f)), y: undatedScale.y, preferLeft: offsets[i] < 0 });
  });
  // A part is joined to its total by a dotted line, when both are in this panel.
  for (const part of placed.filter((p) => p.f.part_of)) {
    const total = placed.find((p) => p.f.id === part.f.part_of);
    if (total) svg("line", { x1: total.at, y1: total.row, x2: part.at, y2: part.row, class: "part-link" }, lines);
  }
  const { unlabelled, crowded } = drawTableLines(tableLines, panel, placed, options);

  // Labels: the selected mark's first, then any that cover no other label.
  const isSelected = (f) => selected?.kind === "observation" && selected.id === f.id;
  const sides = new Map();
  for (const p of [...placed].sort((a, b) => isSelected(b.f) - isSelected(a.f))) {
    const label = figureInSigns(p.f) + (inferences(p.f).length ? "*" : "");
    if (unlabelled.has(p.f.id) && !isSelected(p.f)) {
      sides.set(p.f.id, [label, null]);
      continue;
    }
    sides.set(p.f.id, [label, labelSide(p.at, p.row, label, { preferLeft: p.preferLeft, sides: p.sides, width, taken, must: isSelected(p.f) })]);
  }
  for (const { f, at, row, y } of placed) {
    const g = svg("g", {
      class: `mark q-${f.qualifier} b-${f.basis} ${colorOf(f)}${f.part ? " part" : ""}${fromTable(f) ? " from-table" : ""}`,
      "data-id": f.id,
      "data-period": f.period_label,
      "data-metric": f.metric,
      transform: `translate(${at.toFixed(1)},${row.toFixed(1)})`,
    }, marks);
    if (f.part_of) g.setAttribute("data-part-of", f.part_of);
    if (isSelected(f)) {
      g.classList.add("selected");
      svg("circle", { r: 15, class: "halo" }, g);
    }
    const bar = f.qualifier === "range" ? [y(f.upper_bound) - row, y(f.lower_bound) - row] : null;
    markShapes(g, f.qualifier, bar, f.part);
    if (crowded.has(f.id)) g.classList.add("crowded");
    // A target a finger can hit; on a crowded line, as wide as its share of the line.
    svg("circle", { r: crowded.has(f.id) ? Math.max(4, crowded.get(f.id) / 2) : 14, class: "hit" }, g);
    const [label, side] = sides.get(f.id);
    if (side === "above") text(g, 0, -13, label, { class: "label", "text-anchor": "middle" });
    else if (side) text(g, side === "right" ? 12 : -12, 4, label, { class: "label", "text-anchor": side === "right" ? "start" : "end" });
    const marked = inferences(f);
    const part = partWords(f);
    const cell = fromTable(f) ? [cellWords(f.cell)] : [];
    const lines = [
      `${figureInWords(f)} ${f.unit}`,
      `${f.metricName}, ${f.period_label}`,
      ...(part ? [part] : []),
      `${f.attributed_to} (${f.basis})`,
      ...cell,
      ...marked.map((line) => `Inferred, not stated: ${line}`),
    ];
    const name = [`${figureInWords(f)} ${f.unit}`, f.metricName, f.period_label, ...(part ? [part] : []), `according to ${f.attributed_to}`, f.basis, ...cell].join(", ");
    interactive(g, name + (marked.length ? ". Inferred: " + marked.join("; ") : ""), lines, () => onSelect("observation", f.id));
  }
  if (domain && !dated.length) {
    text(root, (plotLeft + plotRight) / 2, MARGIN.top + plot / 2, "none with a period", { class: "axis-note", "text-anchor": "middle" });
  }
  container.append(figure);
  return figure;
}

// `panels`: [{ code, name, unit, definition, figures }], drawn in that order into `container`;
// `sourceOf(id)`: a source read (who publishes a table's figures).
export function drawCharts(container, { panels, events, colorOf, sourceOf, selected, onSelect }) {
  const width = Math.max(280, container.clientWidth || 720);
  const frame = frameOf(width, panels.flatMap((p) => p.figures), events);
  panels.forEach((panel, i) => drawPanel(container, frame, panel, { events, colorOf, sourceOf, selected, onSelect, first: i === 0 }));
}

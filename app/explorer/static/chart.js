// The chart: one SVG per unit, time across, value up. Each figure is its own mark, shaped
// by its qualifier and coloured by who said it; each period's spread is a band behind its
// marks; figures with no period sit in a column of their own; events are dated strips.

import {
  centralValue,
  dateSpan,
  figureInSigns,
  figureInWords,
  formatNumber,
  inferences,
  periodKey,
  periodSpan,
  spreadOf,
} from "./figures.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 380;
const MARGIN = { top: 44, right: 20, bottom: 40, left: 64 };

export function svg(name, attributes = {}, parent = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (parent) parent.append(element);
  return element;
}

function text(parent, x, y, content, attributes = {}) {
  const element = svg("text", { x, y, ...attributes }, parent);
  element.textContent = content;
  return element;
}

function niceStep(range, ticks) {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

// Dated figures grouped by period: each group shares an x extent and a band.
function periods(figures, domainEnd) {
  const groups = new Map();
  for (const figure of figures) {
    const span = periodSpan(figure);
    if (!span) continue;
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
    if (!span) continue;
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

// Offsets that spread `count` marks across a period, never wider than it.
function dodge(count, width) {
  const step = Math.max(14, Math.min(40, width / (count + 1)));
  return Array.from({ length: count }, (_, i) => (i - (count - 1) / 2) * step);
}

// A mark's shapes around 0,0: what its qualifier says (a range's bar from `bar[0]` to
// `bar[1]`, a ring, an arrow), then its dot. The legend draws its keys with it too.
export function markShapes(group, qualifier, bar = null) {
  if (qualifier === "range" && bar) {
    svg("rect", { x: -4, y: bar[0], width: 8, height: Math.max(2, bar[1] - bar[0]), class: "bar" }, group);
  }
  if (qualifier === "approximate") svg("circle", { r: 10, class: "ring" }, group);
  if (qualifier === "at_least") svg("path", { d: "M0,-7 V-26 M-5,-20 L0,-27 L5,-20", class: "arrow" }, group);
  if (qualifier === "at_most") svg("path", { d: "M0,7 V26 M-5,20 L0,27 L5,20", class: "arrow" }, group);
  svg("circle", { r: 6, class: "dot" }, group);
}

// A small SVG for the legend: a mark as the chart draws it, or a band or event key.
export function legendKey(classes, draw) {
  const icon = svg("svg", { viewBox: "-28 -28 56 56", class: `swatch ${classes}`, "aria-hidden": "true" });
  draw(icon);
  return icon;
}

export function drawChart(container, { unit, figures, events, colorOf, selected, onSelect }) {
  const width = Math.max(300, container.clientWidth || 720);
  const dated = figures.filter((f) => periodSpan(f));
  const undated = figures.filter((f) => !periodSpan(f));
  const domain = timeDomain(dated, dated.length ? events : []);
  const slot = undated.length ? Math.min(170, Math.max(96, width * 0.2)) : 0;
  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right - (slot ? slot + 16 : 0);
  const plotBottom = HEIGHT - MARGIN.bottom;

  const highest = spreadOf(figures)[1];
  const step = niceStep(highest || 1, 4);
  const top = Math.ceil((highest * 1.12) / step) * step || step;
  const y = (v) => plotBottom - (v / top) * (plotBottom - MARGIN.top);
  const x = domain
    ? (t) => plotLeft + ((t - domain[0]) / (domain[1] - domain[0])) * (plotRight - plotLeft)
    : () => plotLeft;

  const figure = document.createElement("figure");
  figure.className = "chart";
  const title = `chart-title-${unit.replace(/\W+/g, "-")}`;
  const root = svg("svg", {
    viewBox: `0 0 ${width} ${HEIGHT}`,
    width: "100%",
    role: "group",
    "aria-labelledby": title,
  });
  figure.append(root);
  const caption = document.createElement("figcaption");
  caption.id = title;
  caption.textContent = `Figures in ${unit}, by period. Each mark is one source's figure.`;
  figure.append(caption);

  // Value axis: gridlines and labels, with the unit above them.
  const axis = svg("g", { class: "axis", "aria-hidden": "true" }, root);
  for (let v = 0; v <= top; v += step) {
    svg("line", { x1: plotLeft, x2: width - MARGIN.right, y1: y(v), y2: y(v), class: "grid" }, axis);
    text(axis, plotLeft - 8, y(v) + 4, formatNumber(v), { "text-anchor": "end" });
  }
  text(axis, 8, MARGIN.top - 28, unit, { class: "unit" });

  // Time axis: a tick at each year's start, its label in the middle of the year.
  if (domain) {
    const years = domain[1] - domain[0];
    const every = Math.max(1, Math.ceil(years / ((plotRight - plotLeft) / 56)));
    for (let year = domain[0]; year <= domain[1]; year += 1) {
      svg("line", { x1: x(year), x2: x(year), y1: plotBottom, y2: plotBottom + 6 }, axis);
      if (year < domain[1] && (year - domain[0]) % every === 0) {
        text(axis, x(year + 0.5), plotBottom + 22, String(year), { "text-anchor": "middle" });
      }
    }
    svg("line", { x1: plotLeft, x2: plotRight, y1: plotBottom, y2: plotBottom }, axis);
  }

  const tip = document.createElement("div");
  tip.className = "tooltip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  figure.append(tip);
  const showTip = (element, lines) => {
    tip.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
    tip.hidden = false;
    const box = element.getBoundingClientRect();
    const frame = figure.getBoundingClientRect();
    const left = Math.min(box.left - frame.left + box.width + 8, frame.width - tip.offsetWidth - 4);
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(0, box.top - frame.top - 8)}px`;
  };
  const hideTip = () => {
    tip.hidden = true;
  };
  const interactive = (element, label, lines, select) => {
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "button");
    element.setAttribute("aria-label", label);
    element.addEventListener("click", select);
    element.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select();
      }
    });
    for (const name of ["mouseenter", "focus"]) element.addEventListener(name, () => showTip(element, lines));
    for (const name of ["mouseleave", "blur"]) element.addEventListener(name, hideTip);
  };

  // Events: a strip as wide as the date is precise, labelled at the top.
  if (domain) {
    for (const event of events) {
      const span = dateSpan(event.occurred_on);
      if (!span) continue;
      const group = svg("g", { class: "event", "data-event-id": event.id }, root);
      if (selected?.kind === "event" && selected.id === event.id) group.classList.add("selected");
      const x0 = x(span[0]);
      svg("rect", { x: x0, y: MARGIN.top - 6, width: Math.max(2, x(span[1]) - x0), height: plotBottom - MARGIN.top + 6 }, group);
      text(group, x0 + 4, MARGIN.top - 10, `${event.title} (${event.occurred_on})`, { class: "event-label" });
      const lines = [`${event.occurred_on}: ${event.title}`, "Context event. Select to read its source."];
      interactive(group, `Event, ${event.occurred_on}: ${event.title}`, lines, () => onSelect("event", event.id));
    }
  }

  // Bands, then period lines, then marks: marks stay on top and take the clicks.
  const groups = domain ? periods(dated, domain[1]) : [];
  const bands = svg("g", { class: "bands" }, root);
  const lines = svg("g", { class: "periods", "aria-hidden": "true" }, root);
  const marks = svg("g", { class: "marks" }, root);
  const placed = [];
  for (const group of groups) {
    const x0 = x(group.start);
    const x1 = x(group.end);
    const [low, high] = spreadOf(group.figures);
    if (group.figures.length > 1 || low < high) {
      const band = svg("rect", {
        class: "band",
        x: x0,
        width: Math.max(2, x1 - x0),
        y: y(high),
        height: Math.max(2, y(low) - y(high)),
        "data-period": group.label,
        "data-low": low,
        "data-high": high,
      }, bands);
      const said = group.figures.length === 1 ? "1 figure" : `${group.figures.length} figures`;
      svg("title", {}, band).textContent = `${group.label}: ${formatNumber(low)} to ${formatNumber(high)} (${said})`;
      if (group.figures.length > 1) {
        text(bands, (x0 + x1) / 2, y(high) - 30, said, { class: "band-label", "text-anchor": "middle" });
      }
    }
    const centre = group.open ? x0 + Math.min(28, (x1 - x0) / 3) : (x0 + x1) / 2;
    const offsets = dodge(group.figures.length, x1 - x0);
    group.figures.forEach((f, i) => {
      const inferredPeriod = "period" in (f.inferred ?? {});
      const row = y(centralValue(f));
      svg("line", { x1: x0, x2: x1, y1: row, y2: row, class: inferredPeriod ? "inferred" : "" }, lines);
      if (group.open) {
        svg("path", { d: `M${x1 - 8},${row - 5} L${x1},${row} L${x1 - 8},${row + 5}`, class: "open-end" }, lines);
      }
      placed.push([f, centre + offsets[i], offsets[i] < 0]);
    });
  }
  if (undated.length) {
    const left = width - MARGIN.right - slot;
    svg("rect", { x: left, y: MARGIN.top - 6, width: slot, height: plotBottom - MARGIN.top + 6, class: "undated" }, bands);
    text(root, left + slot / 2, plotBottom + 22, "no period given", { "text-anchor": "middle", class: "axis-note" });
    const offsets = dodge(undated.length, slot);
    undated.forEach((f, i) => placed.push([f, left + slot / 2 + offsets[i], offsets[i] < 0]));
  }

  // A mark left of its period's middle is labelled on its left, so neighbours' labels part.
  for (const [f, at, leftOfMiddle] of placed) {
    const g = svg("g", {
      class: `mark q-${f.qualifier} b-${f.basis} ${colorOf(f)}`,
      "data-id": f.id,
      "data-period": f.period_label,
      transform: `translate(${at.toFixed(1)},${y(centralValue(f)).toFixed(1)})`,
    }, marks);
    const here = y(centralValue(f));
    if (selected?.kind === "observation" && selected.id === f.id) {
      g.classList.add("selected");
      svg("circle", { r: 15, class: "halo" }, g);
    }
    const bar = f.qualifier === "range" ? [y(f.upper_bound) - here, y(f.lower_bound) - here] : null;
    markShapes(g, f.qualifier, bar);
    svg("circle", { r: 14, class: "hit" }, g); // a target a finger can hit
    const marked = inferences(f);
    const label = figureInSigns(f) + (marked.length ? "*" : "");
    const rightSide = !leftOfMiddle && at < width - 90;
    // On a phone the labels would cover each other: only the selected mark keeps one (the
    // summary above and the table below give every value).
    if (width >= 480 || g.classList.contains("selected")) {
      text(g, rightSide ? 12 : -12, 4, label, { class: "label", "text-anchor": rightSide ? "start" : "end" });
    }
    const lines = [
      `${figureInWords(f)} ${f.unit}`,
      `${f.metricName}, ${f.period_label}`,
      `${f.attributed_to} (${f.basis})`,
      ...marked.map((line) => `Inferred, not stated: ${line}`),
    ];
    const name = `${figureInWords(f)} ${f.unit}, ${f.metricName}, ${f.period_label}, according to ${f.attributed_to}, ${f.basis}`;
    interactive(g, name + (marked.length ? ". Inferred: " + marked.join("; ") : ""), lines, () => onSelect("observation", f.id));
  }

  container.append(figure);
  return figure;
}

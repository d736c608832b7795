// SVG pieces shared by the chart's panels and the legend: elements, a figure's mark, value
// scales and the spacing of marks that share a period.

import { spreadOf } from "./figures.js";

const SVG = "http://www.w3.org/2000/svg";

export function svg(name, attributes = {}, parent = null) {
  const made = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
  if (parent) parent.append(made);
  return made;
}

export function text(parent, x, y, content, attributes = {}) {
  const made = svg("text", { x, y, ...attributes }, parent);
  made.textContent = content;
  return made;
}

function niceStep(range, ticks) {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

// A value scale from zero to a round number above the highest value `figures` state,
// `height` pixels tall with its zero at `bottom`: only these figures set it.
export function valueScale(figures, bottom, height) {
  const highest = figures.length ? Math.max(0, spreadOf(figures)[1]) : 0;
  const step = niceStep(highest || 1, 3);
  const top = Math.ceil((highest * 1.12) / step) * step || step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks, y: (v) => bottom - (v / top) * height };
}

// Offsets that spread `count` marks across a period, never wider than it.
export function dodge(count, width) {
  const step = Math.max(14, Math.min(40, width / (count + 1)));
  return Array.from({ length: count }, (_, i) => (i - (count - 1) / 2) * step);
}

// A mark's shapes around 0,0: what its qualifier says (a range's bar from `bar[0]` to
// `bar[1]`, a ring, an arrow), then its dot: a square for a part (a breakdown), a circle for
// a total. The legend draws its keys with it too.
export function markShapes(group, qualifier, bar = null, part = false) {
  if (qualifier === "range" && bar) {
    svg("rect", { x: -4, y: bar[0], width: 8, height: Math.max(2, bar[1] - bar[0]), class: "bar" }, group);
  }
  if (qualifier === "approximate") svg("circle", { r: 10, class: "ring" }, group);
  if (qualifier === "at_least") svg("path", { d: "M0,-7 V-26 M-5,-20 L0,-27 L5,-20", class: "arrow" }, group);
  if (qualifier === "at_most") svg("path", { d: "M0,7 V26 M-5,20 L0,27 L5,20", class: "arrow" }, group);
  if (part) svg("rect", { x: -5.5, y: -5.5, width: 11, height: 11, class: "dot" }, group);
  else svg("circle", { r: 6, class: "dot" }, group);
}

// A small SVG for the legend: a mark as the chart draws it, or a band or event key.
export function legendKey(classes, draw) {
  const icon = svg("svg", { viewBox: "-28 -28 56 56", class: `swatch ${classes}`, "aria-hidden": "true" });
  draw(icon);
  return icon;
}

// Where a mark's label goes: the preferred side, else the other, else none, so that labels
// neither cover each other nor leave the picture (`taken`: the boxes already used). `sides`,
// when given, is the order to try instead ("above" the mark among them: a line's end).
export function labelSide(at, row, label, { preferLeft, width, taken, must, sides = null }) {
  const wide = label.length * 7.4;
  const boxes = {
    right: [at + 11, at + 13 + wide, row - 12, row + 6],
    left: [at - 13 - wide, at - 11, row - 12, row + 6],
    above: [at - wide / 2, at + wide / 2, row - 28, row - 10],
  };
  const order = sides ?? (preferLeft ? ["left", "right"] : ["right", "left"]);
  const fits = (side) => boxes[side][0] >= 0 && boxes[side][1] <= width;
  const free = (side) =>
    !taken.some((b) => b[0] < boxes[side][1] && boxes[side][0] < b[1] && b[2] < boxes[side][3] && boxes[side][2] < b[3]);
  const side = order.find((s) => fits(s) && free(s)) ?? (must ? order.find(fits) ?? order[0] : null);
  if (side) taken.push(boxes[side]);
  return side;
}

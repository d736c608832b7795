// How a figure reads, in words and in marks: shared by the chart, the table and the detail.

const number = new Intl.NumberFormat("en");

export function formatNumber(value) {
  return value === null || value === undefined ? "" : number.format(value);
}

// The value a mark sits at: the figure itself, or the middle of a range that gives none.
export function centralValue(figure) {
  if (figure.value !== null && figure.value !== undefined) return figure.value;
  const low = figure.lower_bound;
  const high = figure.upper_bound;
  if (low !== null && high !== null) return (low + high) / 2;
  return low ?? high;
}

// The lowest and highest values a figure states (its bounds where it has them).
export function spread(figure) {
  const values = [figure.value, figure.lower_bound, figure.upper_bound].filter(
    (v) => v !== null && v !== undefined,
  );
  return [Math.min(...values), Math.max(...values)];
}

// The lowest and highest values a set of figures states (a period's band is its totals').
export function spreadOf(figures) {
  const values = figures.map(spread);
  return [Math.min(...values.map((v) => v[0])), Math.max(...values.map((v) => v[1]))];
}

// What figures of the same period share (start, end and label).
export function periodKey(figure) {
  return `${figure.period_start}|${figure.period_end}|${figure.period_label}`;
}

// A breakdown is a figure of its own: a part of a total (part_of), or of a sector, a visa
// type... the source gives no total for.
export function isPart(figure) {
  return Object.keys(figure.dimensions ?? {}).length > 0;
}

// "visa type student": a breakdown's dimensions and values, as the data names them.
export function breakdownWords(dimensions) {
  return Object.entries(dimensions ?? {})
    .map(([name, value]) => `${name.replaceAll("_", " ")} ${value}`)
    .join(", ");
}

// "part of observation 3: visa type student", or "construction only" without a total.
export function partWords(figure) {
  if (!isPart(figure)) return "";
  if (figure.part_of) return `part of observation ${figure.part_of}: ${breakdownWords(figure.dimensions)}`;
  return `${Object.values(figure.dimensions).join(", ")} only`;
}

const WORDS = {
  exact: (f) => formatNumber(f.value),
  approximate: (f) => `about ${formatNumber(f.value)}`,
  at_least: (f) => `at least ${formatNumber(f.value ?? f.lower_bound)}`,
  at_most: (f) => `at most ${formatNumber(f.value ?? f.upper_bound)}`,
  range: (f) => `${formatNumber(f.lower_bound)} to ${formatNumber(f.upper_bound)}`,
};

const SIGNS = {
  exact: (f) => formatNumber(f.value),
  approximate: (f) => `≈${formatNumber(f.value)}`,
  at_least: (f) => `≥${formatNumber(f.value ?? f.lower_bound)}`,
  at_most: (f) => `≤${formatNumber(f.value ?? f.upper_bound)}`,
  range: (f) => `${formatNumber(f.lower_bound)}–${formatNumber(f.upper_bound)}`,
};

// "at least 10,000": the figure as its qualifier says it.
export function figureInWords(figure) {
  return (WORDS[figure.qualifier] ?? WORDS.exact)(figure);
}

// "≥10,000": the same, short enough for a chart label.
export function figureInSigns(figure) {
  return (SIGNS[figure.qualifier] ?? SIGNS.exact)(figure);
}

export const QUALIFIERS = {
  exact: "stated exactly",
  approximate: "approximate (about)",
  at_least: "at least (a floor)",
  at_most: "at most (a ceiling)",
  range: "a range",
};

export const BASES = {
  official: "official figure",
  estimate: "estimate",
  projection: "projection (expected, not counted)",
};

// What a figure's or event's `inferred` marks say, as "period: reason" lines.
export function inferences(record) {
  return Object.entries(record.inferred ?? {}).map(([name, reason]) => `${name}: ${reason}`);
}

// Partial ISO dates ("2019", "2019-12", "2019-12-22") as [start, end) in fractional years.
export function dateSpan(text) {
  if (!text) return null;
  const [year, month, day] = text.split("-").map(Number);
  if (!month) return [year, year + 1];
  if (!day) return [yearFraction(year, month, 1), yearFraction(year, month + 1, 1)];
  const start = yearFraction(year, month, day);
  return [start, yearFraction(year, month, day + 1)];
}

function yearFraction(year, month, day) {
  const moment = Date.UTC(year, month - 1, day);
  const start = Date.UTC(year, 0, 1);
  const next = Date.UTC(year + 1, 0, 1);
  return year + (moment - start) / (next - start);
}

// A figure's period as [start, end) in fractional years; end null when the period is open.
export function periodSpan(figure) {
  const start = figure.period_start ? dateSpan(figure.period_start)[0] : null;
  const end = figure.period_end ? dateSpan(figure.period_end)[1] : null;
  if (start === null && end === null) return null;
  return [start, end];
}

// A figure read from a statistical table: it names the cell it stands in, not (or not only)
// a quote.
export function fromTable(figure) {
  return Boolean(figure.cell);
}

// "Table cell: row 17, column 67", rows and columns counted as the API counts them (RFC 7111).
export function cellWords(cell) {
  return `Table cell: row ${cell.row}, column ${cell.column}`;
}

// What else an SDMX-CSV cell names, as published: [["series", "A.B.C"], ["period", "2019"],
// ["flag", "e"]], those it has.
export function cellKeys(cell) {
  return ["series", "period", "flag"].filter((name) => cell?.[name]).map((name) => [name, cell[name]]);
}

// Who publishes a table's figures, for the legend: "official statistics, <publisher>" (the
// source's title when it names none).
export function officialStatistics(source, sourceId) {
  return `official statistics, ${source?.publisher || source?.title || `source ${sourceId}`}`;
}

// The dated figures read from one table, of one series: one source, one series key (when
// the table gives one), one metric, pair, region and breakdown; each series in period order.
export function tableSeries(figures) {
  const groups = new Map();
  for (const figure of figures.filter((f) => fromTable(f) && periodSpan(f))) {
    const breakdown = Object.entries(figure.dimensions ?? {}).sort();
    const key = JSON.stringify([figure.source_id, figure.cell.series ?? null, figure.metric, figure.origin, figure.destination, figure.region ?? null, breakdown]);
    if (!groups.has(key)) groups.set(key, { sourceId: figure.source_id, series: figure.cell.series ?? null, figures: [] });
    groups.get(key).figures.push(figure);
  }
  const start = (f) => periodSpan(f)[0] ?? periodSpan(f)[1];
  for (const group of groups.values()) group.figures.sort((a, b) => start(a) - start(b) || a.id - b.id);
  return [...groups.values()];
}

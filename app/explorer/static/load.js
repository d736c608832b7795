// Reading the view from the API: its figures, the sources they cite and the pair's events.

import { apiUrl, getJSON } from "./api.js";
import { data, state } from "./state.js";

// The view's figures: the series the chart, the table and "Download CSV" all show, its
// totals and its breakdowns (parts=true), each a figure of its own.
export function seriesParameters() {
  return {
    origin: state.origin,
    destination: state.destination,
    region: state.region,
    metric: state.metrics,
    as_of: state.asOf,
    parts: "true",
  };
}

export async function loadView() {
  const series = state.metrics.length
    ? await getJSON(apiUrl("/v1/series", seriesParameters()))
    : { data: [] };
  const figure = (part) => (f) => ({ ...f, part, metricName: data.metrics.get(f.metric)?.name ?? f.metric });
  data.figures = series.data.flatMap((period) =>
    period.metrics.flatMap((group) => [
      ...group.observations.map(figure(false)),
      ...(group.parts ?? []).map(figure(true)),
    ]),
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

// Reading the view from the API: its figures, the sources they cite and the pair's events.

import { apiUrl, getJSON } from "./api.js";
import { data, state } from "./state.js";

// The view's figures: the series the chart, the table and "Download CSV" all show.
export function seriesParameters() {
  return {
    origin: state.origin,
    destination: state.destination,
    region: state.region,
    metric: state.metrics,
    as_of: state.asOf,
  };
}

export async function loadView() {
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

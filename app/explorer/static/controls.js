// The controls (pair, region, metrics, date, search box), filled from the state and the API.

import { apiUrl, getJSON } from "./api.js";
import { element } from "./dom.js";
import { data, pairOf, state } from "./state.js";

const $ = (selector) => document.querySelector(selector);

function countryOption(code, name, selected) {
  const option = element("option", { value: code, text: `${name} (${code})` });
  option.selected = selected;
  return option;
}

export function renderControls() {
  const origins = new Map(data.pairs.map((p) => [p.origin, p.origin_name]));
  $("#origin").replaceChildren(
    ...[...origins].map(([code, name]) => countryOption(code, name, code === state.origin)),
  );
  const destinations = data.pairs.filter((p) => p.origin === state.origin);
  $("#destination").replaceChildren(
    ...destinations.map((p) => countryOption(p.destination, p.destination_name, p.destination === state.destination)),
  );
  const pair = pairOf(state.origin, state.destination);
  const options = (pair?.metrics ?? []).map((code) => {
    const metric = data.metrics.get(code);
    const box = element("input", { type: "checkbox", name: "metric", value: code, id: `metric-${code}` });
    box.checked = state.metrics.includes(code);
    const hint = element("span", { class: "unit", text: metric ? ` (${metric.unit})` : "" });
    const label = element("label", { for: box.id, title: metric?.definition ?? "" }, metric?.name ?? code, hint);
    return element("span", { class: "option" }, box, label);
  });
  $("#metric-options").replaceChildren(...options);
  $("#as-of").value = state.asOf;
  $("#as-of").max = new Date().toISOString().slice(0, 10);
  $("#q").value = state.q;
  renderRegions();
}

// The region select alone (the metric boxes keep their focus when one is ticked).
export function renderRegions() {
  const regions = data.regions.map(({ value, count }) => {
    const option = element("option", { value: value ?? "", text: `${value ?? "Whole country"} (${count} ${count === 1 ? "figure" : "figures"})` });
    option.selected = (value ?? "") === state.region;
    return option;
  });
  $("#region").replaceChildren(...regions);
  showChosen();
}

// What a select holds, in full where its box is too narrow for it (a phone): the name and
// the code, wrapped, over the box (the select itself is what a tap opens).
export function showChosen() {
  for (const select of document.querySelectorAll(".select-wrap select")) {
    const shown = select.parentElement.querySelector(".select-shown");
    shown.textContent = select.selectedOptions[0]?.textContent ?? "";
  }
  const pair = pairOf(state.origin, state.destination);
  const region = state.region || "whole country";
  const count = pair ? `, ${state.metrics.length} of ${pair.metrics.length} measures` : "";
  const day = state.asOf ? `, as held on ${state.asOf}` : "";
  $("#choice").textContent = pair ? `${pair.origin} to ${pair.destination}, ${region}${count}${day}` : "";
}

// The regions of the destination the pair's figures name (null: the whole country), so a
// regional figure is one choice away rather than missing from the chart. Each is counted
// for the metrics chosen, as of the view's day, so that its count and the marks agree.
export async function loadRegions() {
  const pair = { origin: state.origin, destination: state.destination, as_of: state.asOf };
  const facet = (more) =>
    getJSON(apiUrl("/v1/observations", { ...pair, ...more, facet: "region", fields: "id", limit: 1 }))
      .then((page) => page.meta.facets.region.values);
  const [all, chosen] = await Promise.all([facet({}), state.metrics.length ? facet({ metric: state.metrics }) : []]);
  const counts = new Map(chosen.map((region) => [region.value, region.count]));
  data.regions = all.map(({ value }) => ({ value, count: counts.get(value) ?? 0 }));
  if (!data.regions.some((r) => (r.value ?? "") === state.region)) state.region = "";
  if (!data.regions.some((r) => r.value === null)) data.regions.unshift({ value: null, count: 0 });
}

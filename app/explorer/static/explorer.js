// The explorer's entry: it starts the page and answers the controls, a selection, a search and Back.

import { getJSON } from "./api.js";
import { loadRegions, renderControls } from "./controls.js";
import { loadView } from "./load.js";
import { colours, render, renderCharts } from "./render.js";
import { search } from "./search.js";
import { data, defaultMetrics, pairOf, readState, settleState, state, writeState } from "./state.js";

const $ = (selector) => document.querySelector(selector);

function showProblem(error) {
  const box = $("#problem");
  box.textContent = error ? `Could not load: ${error.message}` : "";
  box.hidden = !error;
}

// Tests and readers of the page's state wait on `data-loading`, set while a view is read.
async function refresh() {
  document.body.dataset.loading = "true";
  showProblem(null);
  try {
    await loadView();
  } catch (error) {
    data.figures = [];
    showProblem(error);
  }
  await render(select);
  delete document.body.dataset.loading;
}

function select(kind, id) {
  const focused = document.activeElement;
  const key = focused?.dataset?.id ? `[data-id="${focused.dataset.id}"]` : null;
  const where = [".chart", "table", "#summary"].find((part) => focused?.closest?.(part)) ?? "";
  state.selected = { kind, id };
  writeState();
  document.body.dataset.loading = "true";
  render(select)
    .then(() => {
      // On a narrow screen the detail sits below everything: bring it up.
      const panel = $("#detail").getBoundingClientRect();
      if (panel.top > window.innerHeight) $("#detail").scrollIntoView({ block: "start" });
    })
    .finally(() => delete document.body.dataset.loading);
  // Keep keyboard focus where it was: the element was drawn again.
  if (key) document.querySelector(`${where} ${key}`)?.focus({ preventScroll: true });
}

async function openSearchResult(figure) {
  if (!pairOf(figure.origin, figure.destination)) return;
  const samePair = figure.origin === state.origin && figure.destination === state.destination;
  state.origin = figure.origin;
  state.destination = figure.destination;
  state.region = figure.region ?? "";
  if (!samePair) state.metrics = defaultMetrics(pairOf(state.origin, state.destination));
  if (!state.metrics.includes(figure.metric)) state.metrics.push(figure.metric);
  state.selected = { kind: "observation", id: figure.id };
  await loadRegions().catch(showProblem);
  state.region = figure.region ?? "";
  writeState();
  renderControls();
  await refresh();
  $("#detail").focus();
}

async function changePair() {
  settleState();
  await loadRegions().catch(showProblem);
  writeState();
  renderControls();
  await refresh();
}

function wire() {
  $("#origin").addEventListener("change", (event) => {
    state.origin = event.target.value;
    state.destination = "";
    state.region = "";
    state.selected = null;
    changePair();
  });
  $("#destination").addEventListener("change", (event) => {
    state.destination = event.target.value;
    state.metrics = [];
    state.region = "";
    state.selected = null;
    changePair();
  });
  $("#region").addEventListener("change", (event) => {
    state.region = event.target.value;
    writeState();
    refresh();
  });
  $("#metric-options").addEventListener("change", () => {
    state.metrics = [...document.querySelectorAll("#metric-options input:checked")].map((box) => box.value);
    writeState();
    refresh();
  });
  $("#as-of").addEventListener("change", (event) => {
    state.asOf = event.target.value;
    writeState();
    refresh();
    search(openSearchResult);
  });
  $("#as-of-clear").addEventListener("click", () => {
    state.asOf = "";
    $("#as-of").value = "";
    writeState();
    refresh();
    search(openSearchResult);
  });
  $("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("#q").value.trim();
    writeState();
    search(openSearchResult);
  });
  window.addEventListener("popstate", async () => {
    readState();
    settleState();
    await loadRegions().catch(showProblem);
    renderControls();
    await refresh();
    search(openSearchResult);
  });
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => renderCharts(colours(), select), 150);
  });
}

async function start() {
  try {
    const [pairs, metrics] = await Promise.all([getJSON("/v1/pairs"), getJSON("/v1/metrics")]);
    data.pairs = pairs.data;
    data.metrics = new Map(metrics.data.map((m) => [m.code, m]));
  } catch (error) {
    showProblem(error);
    return;
  }
  readState();
  settleState();
  await loadRegions().catch(showProblem);
  writeState({ push: false });
  renderControls();
  wire();
  await Promise.all([refresh(), search(openSearchResult)]);
  document.body.dataset.ready = "true";
}

start();

// The explorer's entry: it starts the page and answers the controls, a selection, a search and Back.

import { getJSON } from "./api.js";
import { loadRegions, renderControls, renderRegions, showChosen } from "./controls.js";
import { loadView } from "./load.js";
import { colours, render, renderCharts, showLoading, showProblem } from "./render.js";
import { search } from "./search.js";
import { data, defaultMetrics, pairOf, readState, settleState, state, writeState } from "./state.js";

const $ = (selector) => document.querySelector(selector);

// Tests and readers of the page's state wait on `data-loading`, set while a view is read;
// a reader sees it said in words. `prepare`: what to read first (a new pair's or day's
// regions), in the same loading state.
async function refresh(prepare = async () => {}) {
  document.body.dataset.loading = "true";
  showLoading(true);
  showProblem(null);
  await prepare();
  try {
    await loadView();
  } catch (error) {
    data.figures = [];
    showProblem(error);
  }
  showLoading(false);
  await render(select);
  delete document.body.dataset.loading;
}

function select(kind, id) {
  const focused = document.activeElement;
  const named = Object.entries({ id: "data-id", totalId: "data-total-id" }).find(([key]) => focused?.dataset?.[key]);
  const key = named ? `[${named[1]}="${focused.dataset[named[0]]}"]` : null;
  const where = [".chart", "table", "#summary", "#detail"].find((part) => focused?.closest?.(part)) ?? "";
  state.selected = { kind, id };
  writeState();
  document.body.dataset.loading = "true";
  render(select)
    .then(() => {
      // On a narrow screen the detail sits below everything: bring it up.
      const panel = $("#detail").getBoundingClientRect();
      if (panel.top > window.innerHeight) $("#detail").scrollIntoView({ block: "start" });
      // A figure named in the detail (a part's total) was chosen there: read on there.
      if (where === "#detail") $("#detail").focus({ preventScroll: true });
    })
    .finally(() => delete document.body.dataset.loading);
  // Keep keyboard focus where it was: the element was drawn again.
  if (key && where !== "#detail") document.querySelector(`${where} ${key}`)?.focus({ preventScroll: true });
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
  await refresh(async () => {
    await loadRegions().catch(showProblem);
    state.region = figure.region ?? "";
    writeState();
    renderControls();
  });
  $("#detail").focus();
}

// The controls start folded on a phone, so the figures come first; open where they fit
// beside the figures, or when the link names a search (its results are in them).
function foldControls() {
  $("#choose").open = window.matchMedia("(min-width: 40rem)").matches || Boolean(state.q);
}

// A new day or pair: its regions (and their counts) are read again, then its figures.
function changeDay() {
  writeState();
  return refresh(async () => {
    await loadRegions().catch(showProblem);
    writeState({ push: false });
    renderControls();
  });
}

function changePair() {
  showChosen();
  settleState();
  return refresh(async () => {
    await loadRegions().catch(showProblem);
    writeState();
    renderControls();
  });
}

function wire() {
  $("#to-choose").addEventListener("click", () => {
    $("#choose").open = true;
  });
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
    showChosen();
    refresh();
  });
  $("#metric-options").addEventListener("change", () => {
    state.metrics = [...document.querySelectorAll("#metric-options input:checked")].map((box) => box.value);
    writeState();
    refresh(async () => {
      await loadRegions().catch(showProblem);
      renderRegions();
    });
  });
  $("#as-of").addEventListener("change", (event) => {
    state.asOf = event.target.value;
    changeDay();
    search(openSearchResult);
  });
  $("#as-of-clear").addEventListener("click", () => {
    state.asOf = "";
    $("#as-of").value = "";
    changeDay();
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
    await refresh(async () => {
      await loadRegions().catch(showProblem);
      renderControls();
    });
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
    showLoading(false);
    showProblem(error);
    return;
  }
  readState();
  settleState();
  foldControls();
  await loadRegions().catch(showProblem);
  writeState({ push: false });
  renderControls();
  wire();
  await Promise.all([refresh(), search(openSearchResult)]);
  document.body.dataset.ready = "true";
}

start();

// The page's state, kept in its URL (a link restores the view), and the data read for it.

import { apiUrl } from "./api.js";

export const state = { origin: "", destination: "", region: "", metrics: [], asOf: "", selected: null, q: "" };
export const data = { pairs: [], metrics: new Map(), regions: [], figures: [], events: [], sources: new Map() };

export function readState() {
  const query = new URLSearchParams(window.location.search);
  state.origin = (query.get("origin") ?? "").toUpperCase();
  state.destination = (query.get("destination") ?? "").toUpperCase();
  state.region = query.get("region") ?? "";
  state.metrics = query.getAll("metric");
  state.asOf = query.get("as_of") ?? "";
  state.q = query.get("q") ?? "";
  const observation = Number(query.get("observation"));
  const event = Number(query.get("event"));
  state.selected = observation
    ? { kind: "observation", id: observation }
    : event
      ? { kind: "event", id: event }
      : null;
}

export function writeState({ push = true } = {}) {
  const query = apiUrl(window.location.pathname, {
    origin: state.origin,
    destination: state.destination,
    region: state.region,
    metric: state.metrics,
    as_of: state.asOf,
    [state.selected?.kind ?? "none"]: state.selected?.id,
    q: state.q,
  });
  if (query === window.location.pathname + window.location.search) return;
  if (push) window.history.pushState(null, "", query);
  else window.history.replaceState(null, "", query);
}

export function pairOf(origin, destination) {
  return data.pairs.find((p) => p.origin === origin && p.destination === destination);
}

// The metrics shown first for a pair: all of them. Each is drawn in a panel of its own, on
// its own scale, so figures that count different things are never read off one axis.
export function defaultMetrics(pair) {
  return [...pair.metrics];
}

// Fill what the URL leaves out (or names wrongly) with what the data has.
export function settleState() {
  const byCount = [...data.pairs].sort((a, b) => b.observation_count - a.observation_count);
  if (!data.pairs.some((p) => p.origin === state.origin)) state.origin = byCount[0]?.origin ?? "";
  if (!pairOf(state.origin, state.destination)) {
    state.destination = byCount.find((p) => p.origin === state.origin)?.destination ?? "";
    state.metrics = [];
  }
  const pair = pairOf(state.origin, state.destination);
  if (!pair) return;
  state.metrics = state.metrics.filter((code) => pair.metrics.includes(code));
  if (!state.metrics.length) state.metrics = defaultMetrics(pair);
}

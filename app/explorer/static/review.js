// The review page: a source's text with each draft's figure marked, the selected draft's
// fields beside it, and an editor's decision (accept, with changes, or reject, with why)
// sent to the API. The token is kept in this tab's sessionStorage only, and sent only here.
import { ApiProblem, apiUrl } from "./api.js";
import { element, prose } from "./dom.js";

const TOKEN_KEY = "laborstats-editor-token";
const FIELDS = [
  ["metric", "Metric", "text"],
  ["origin", "Origin (ISO alpha-3)", "text"],
  ["destination", "Destination (ISO alpha-3)", "text"],
  ["attributed_to", "Who gave it", "text"],
  ["period_start", "Period start", "date"],
  ["period_end", "Period end", "date"],
  ["value", "Value", "number"],
  ["lower_bound", "Lower bound", "number"],
  ["upper_bound", "Upper bound", "number"],
  ["qualifier", "Qualifier", ["exact", "approximate", "at_least", "at_most", "range"]],
  ["basis", "Basis", ["official", "estimate", "projection"]],
];
const $ = (id) => document.getElementById(id);
const state = { source: null, text: "", drafts: [], selected: null };

function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

async function call(method, path, body) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const content = await response.json().catch(() => null);
  if (!response.ok) throw new ApiProblem(response.status, content);
  return content;
}

function say(message, isProblem = false) {
  const status = $("status");
  status.replaceChildren(...prose(message));
  status.classList.toggle("problem", isProblem);
}

async function readDrafts(source) {
  const drafts = [];
  let cursor = null;
  do {
    const page = await call("GET", apiUrl("/v1/drafts", { source_id: source, limit: 500, cursor }));
    drafts.push(...page.data);
    cursor = page.meta.next_cursor;
  } while (cursor);
  return drafts;
}

async function load(source) {
  document.body.dataset.loading = "";
  try {
    const response = await fetch(`/v1/sources/${source}/text`);
    if (!response.ok) throw new ApiProblem(response.status, await response.json().catch(() => null));
    state.source = source;
    state.text = await response.text();
    state.drafts = await readDrafts(source);
    state.selected = null;
    render();
    const counts = ["proposed", "accepted", "rejected"].map(
      (status) => `${state.drafts.filter((d) => d.status === status).length} ${status}`,
    );
    say(`Source ${source}: ${state.drafts.length} drafts (${counts.join(", ")}).`);
  } catch (problem) {
    say(problem.message, true);
  } finally {
    delete document.body.dataset.loading;
    document.body.dataset.ready = "";
  }
}

// The text, each draft's figure a focusable mark. Offsets count code points, as the API's.
function render() {
  const points = Array.from(state.text);
  const marks = [...state.drafts].sort((a, b) => a.span_start - b.span_start);
  const pieces = [];
  let at = 0;
  for (const draft of marks) {
    if (draft.span_start < at) continue; // overlapping spans: the first one is marked
    pieces.push(points.slice(at, draft.span_start).join(""));
    const mark = element("mark", {
      tabindex: "0",
      role: "button",
      "data-draft": String(draft.id),
      "data-status": draft.status,
      "aria-label": `Draft ${draft.id}, ${draft.status}: ${draft.span}`,
      text: points.slice(draft.span_start, draft.span_end).join(""),
    });
    mark.addEventListener("click", () => select(draft.id));
    mark.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        select(draft.id);
      }
    });
    pieces.push(mark);
    at = draft.span_end;
  }
  pieces.push(points.slice(at).join(""));
  $("text").replaceChildren(...pieces);
  showDraft();
}

function select(id) {
  state.selected = state.drafts.find((draft) => draft.id === id) ?? null;
  for (const mark of $("text").querySelectorAll("mark")) {
    mark.setAttribute("aria-current", String(mark.dataset.draft === String(id)));
  }
  showDraft();
  $("draft-fields").querySelector("input, select")?.focus();
}

function field(name, label, kind, value) {
  const id = `field-${name}`;
  let input;
  if (Array.isArray(kind)) {
    input = element("select", { id, name }, ...kind.map((option) => element("option", { value: option, text: option })));
  } else {
    input = element("input", { id, name, type: kind, ...(kind === "number" ? { step: "any" } : {}) });
  }
  input.value = value ?? "";
  return element("div", {}, element("label", { for: id, text: label }), input);
}

function showDraft() {
  const draft = state.selected;
  $("draft").hidden = !draft;
  $("no-draft").hidden = Boolean(draft);
  if (!draft) return;
  const decided = draft.status !== "proposed";
  $("draft-state").textContent =
    draft.status === "accepted"
      ? `Accepted: observation ${draft.observation_id}.`
      : draft.status === "rejected"
        ? `Rejected: ${draft.reason}`
        : `Proposed${draft.metric_is_new ? " (its metric is new: create it, or name another)" : ""}.`;
  $("draft-quote").textContent = draft.quote;
  $("draft-fields").replaceChildren(...FIELDS.map(([name, label, kind]) => field(name, label, kind, draft[name])));
  const reading = [
    ...Object.entries(draft.explanation).map(([name, why]) => [`${name}, read from`, why]),
    ...Object.entries(draft.inferred).map(([name, why]) => [`${name}, inferred`, why]),
  ];
  if (draft.same_as) reading.push(["same figure as", `observation ${draft.same_as}`]);
  $("draft-reading").replaceChildren(...reading.flatMap(([term, why]) => [element("dt", { text: term }), element("dd", { text: why })]));
  for (const control of $("draft").querySelectorAll("input, select, textarea, button")) control.disabled = decided;
}

// The fields the editor changed, as the API takes them: numbers as numbers, empty as null.
function changes() {
  const draft = state.selected;
  const changed = {};
  for (const [name, , kind] of FIELDS) {
    const raw = $(`field-${name}`).value.trim();
    const value = raw === "" ? null : kind === "number" ? Number(raw) : raw;
    if (value !== (draft[name] ?? null)) changed[name] = value;
  }
  return changed;
}

async function decide(verb) {
  const draft = state.selected;
  const reason = $("reason").value.trim();
  try {
    if (verb === "accept") {
      const body = { ...changes(), ...(reason ? { reason } : {}) };
      const observation = await call("POST", `/v1/drafts/${draft.id}/accept`, body);
      await load(state.source);
      say(`Draft ${draft.id} is now observation ${observation.id}.`);
    } else {
      if (!reason) {
        say("Say why the draft is rejected.", true);
        $("reason").focus();
        return;
      }
      await call("POST", `/v1/drafts/${draft.id}/reject`, { reason });
      await load(state.source);
      say(`Draft ${draft.id} is rejected.`);
    }
    $("reason").value = "";
    select(draft.id);
  } catch (problem) {
    say(problem.message, true);
  }
}

function start() {
  $("token").value = token();
  const source = new URLSearchParams(window.location.search).get("source");
  if (source) $("source").value = source;
  $("open").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    const chosen = $("source").value;
    history.replaceState(null, "", `/review?source=${encodeURIComponent(chosen)}`);
    load(chosen);
  });
  $("propose").addEventListener("click", async () => {
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    try {
      const proposed = await call("POST", `/v1/sources/${$("source").value}/drafts`);
      await load($("source").value);
      say(`${proposed.meta.created} new drafts; ${proposed.data.length} in all.`);
    } catch (problem) {
      say(problem.message, true);
    }
  });
  $("accept").addEventListener("click", () => decide("accept"));
  $("reject").addEventListener("click", () => decide("reject"));
  if (source && token()) load(source);
  else document.body.dataset.ready = "";
}

start();

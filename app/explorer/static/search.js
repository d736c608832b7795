// Searching every quote, source and note: the matching figures, their matched words marked.

import { apiUrl, getJSON } from "./api.js";
import { element, prose } from "./dom.js";
import { figureInWords } from "./figures.js";
import { state } from "./state.js";

const $ = (selector) => document.querySelector(selector);

function highlighted(snippet, highlights) {
  const characters = Array.from(snippet); // offsets count code points, as the API's do
  const parts = [];
  let at = 0;
  for (const [start, end] of highlights ?? []) {
    parts.push(characters.slice(at, start).join(""), element("mark", { text: characters.slice(start, end).join("") }));
    at = end;
  }
  parts.push(characters.slice(at).join(""));
  return parts;
}

// `onOpen(figure)`: what choosing a result does.
export async function search(onOpen) {
  const results = $("#search-results");
  if (!state.q) {
    results.replaceChildren();
    return;
  }
  try {
    const page = await getJSON(apiUrl("/v1/observations", { q: state.q, as_of: state.asOf, limit: 20 }));
    const items = page.data.map((figure) => {
      const open = element(
        "button",
        { type: "button", class: "result", "data-id": figure.id },
        element("span", { class: "snippet" }, ...highlighted(figure.match.snippet, figure.match.highlights)),
        element("span", {
          class: "about",
          text: `${figureInWords(figure)} ${figure.unit}, ${figure.metric}, ${figure.origin} to ${figure.destination}, ${figure.period_label}: ${figure.attributed_to} (matched in ${figure.match.field.replace("_", " ")})`,
        }),
      );
      open.addEventListener("click", () => onOpen(figure));
      return element("li", {}, open);
    });
    const said = page.data.length ? `${page.data.length}${page.meta.next_cursor ? "+" : ""} matching figures` : "No figure matches.";
    results.replaceChildren(element("p", { text: said }), element("ol", {}, ...items));
  } catch (error) {
    results.replaceChildren(element("p", { class: "problem" }, ...prose(error.message)));
  }
}

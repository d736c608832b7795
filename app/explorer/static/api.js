// The page reads the public API like any client, on this server only.

// A URL of this server: each parameter once, or once per value of a list; empty ones left out.
export function apiUrl(path, parameters = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(parameters)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== null && one !== undefined && one !== "") url.searchParams.append(name, one);
    }
  }
  return url.pathname + url.search;
}

// An API error, with the problem's own words (RFC 9457 `detail`) for the reader.
export class ApiProblem extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The API answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

export async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    const problem = await response.json().catch(() => null);
    throw new ApiProblem(response.status, problem);
  }
  return response.json();
}

// Building the page's elements: text is always set as text, never parsed as markup.

export function element(name, attributes = {}, ...children) {
  const made = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") made.textContent = value;
    else if (key === "class") made.className = value;
    else made.setAttribute(key, value);
  }
  made.append(...children.filter((child) => child !== null && child !== undefined));
  return made;
}

// Text that may name code between backticks (an API problem's `parameter`, say): the code
// as <code>, never a literal backtick.
export function prose(text) {
  return String(text)
    .split("`")
    .map((piece, i) => (i % 2 ? element("code", { text: piece }) : piece))
    .filter((piece) => piece !== "");
}

// Small helpers to build HTML, SVG and MathML elements without a framework.

const SVG_NS = "http://www.w3.org/2000/svg";
const MATH_NS = "http://www.w3.org/1998/Math/MathML";

function fillElement(element, attributes, children) {
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "text") element.textContent = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === "object" ? child : String(child));
  }
  return element;
}

// h("label", {class: "x"}, "text", child, ...)
export function h(tag, attributes, ...children) {
  return fillElement(document.createElement(tag), attributes, children);
}

export function svg(tag, attributes, ...children) {
  return fillElement(document.createElementNS(SVG_NS, tag), attributes, children);
}

function mathElement(tag, attributes, ...children) {
  return fillElement(document.createElementNS(MATH_NS, tag), attributes, children);
}

// A little MathML, enough for the formulas of the explorer:
// math(row(mi("n"), mo("="), ...)). Numbers get thousands separators.
export const mathml = {
  math: (...children) => mathElement("math", {}, ...children),
  row: (...children) => mathElement("mrow", {}, ...children),
  mi: (text) => mathElement("mi", {}, text),
  mn: (value) => mathElement("mn", {}, typeof value === "number" ? Number(value).toLocaleString("en-US") : value),
  mo: (text) => mathElement("mo", {}, text),
  fence: (text) => mathElement("mo", { fence: "true", stretchy: "true" }, text),
  frac: (top, bottom) => mathElement("mfrac", {}, top, bottom),
  sub: (base, index) => mathElement("msub", {}, base, index),
  text: (text) => mathElement("mtext", {}, text),
};

let uidCounter = 0;
// Ids for SVG patterns and form controls, unique on the page (a notebook may
// hold several widgets).
export function uid(prefix) {
  uidCounter += 1;
  return `${prefix}-${uidCounter}`;
}

// A labelled number field. An empty field reads as NaN, which the arithmetic
// refuses with a reason (null would quietly take the field's default).
export function numberField(label, value, attributes, onInput) {
  const input = h("input", {
    type: "number",
    inputmode: "numeric",
    step: 1,
    value: value ?? "",
    ...attributes,
    oninput: () => onInput(input.value === "" ? NaN : Number(input.value)),
  });
  return h("label", { class: "kc-x-field" }, h("span", {}, label), input);
}

export function selectField(label, value, options, attributes, onChange) {
  const select = h(
    "select",
    { ...attributes, onchange: () => onChange(select.value) },
    options.map(([key, text]) => h("option", { value: key, selected: key === value }, text)),
  );
  return h("label", { class: "kc-x-field" }, h("span", {}, label), select);
}

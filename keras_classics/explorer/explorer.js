// The explorer: a stack of convolution and pooling layers that a student
// edits, each layer's output size with its formula filled in, its receptive
// field (drawn on the input grid for a chosen unit), its parameters and MACs.
// Plain DOM and SVG; every number comes from arithmetic.js through stack.js.

import { h, mathml, numberField, selectField, svg, uid } from "./dom.js";
import { decodeState, encodeState, evaluateStack, newLayer } from "./stack.js";
import { num, translator } from "./words.js";

const { math, row: mrow, mi, mn, mo, fence, frac, sub, text: mtext } = mathml;

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

function paddingMode(padding) {
  if (padding === "valid" || padding === "same") return padding;
  return Array.isArray(padding) ? "pair" : "pixels";
}

// ---------------------------------------------------------------------------
// Formulas, filled in
// ---------------------------------------------------------------------------

// n_out = ⌊(n + p_before + p_after − k_eff) / s⌋ + 1 = out
function sizeFormula(layer, row) {
  const [before, after] = row.padding;
  const dilation = layer.kind === "conv" ? layer.dilation ?? 1 : 1;
  const stride = layer.stride ?? (layer.kind === "pool" ? layer.kernel : 1);
  const ceil = layer.kind === "pool" && (layer.rounding ?? "floor") === "ceil";
  const top = [mn(row.size_in)];
  if (before) top.push(mo("+"), mn(before));
  if (after) top.push(mo("+"), mn(after));
  top.push(mo("−"));
  if (dilation > 1) {
    top.push(fence("("), mn(dilation), mo("·"), fence("("), mn(layer.kernel), mo("−"), mn(1), fence(")"), mo("+"), mn(1), fence(")"));
  } else {
    top.push(mn(layer.kernel));
  }
  const extent = dilation * (layer.kernel - 1) + 1;
  const span = row.size_in + before + after - extent;
  const steps = ceil ? Math.ceil(span / stride) : Math.floor(span / stride);
  const dropped = ceil && steps + 1 !== row.size_out;
  return math(
    mrow(
      sub(mi("n"), mtext("out")),
      mo("="),
      fence(ceil ? "⌈" : "⌊"),
      frac(mrow(...top), mn(stride)),
      fence(ceil ? "⌉" : "⌋"),
      mo("+"),
      mn(1),
      dropped ? [mo("−"), mn(1)] : [],
      mo("="),
      mn(row.size_out),
    ),
  );
}

// r = r_prev + (k_eff − 1) · j_prev = r
function fieldFormula(layer, previous, row) {
  const dilation = layer.kind === "conv" ? layer.dilation ?? 1 : 1;
  const extent = dilation * (layer.kernel - 1) + 1;
  return math(
    mrow(mi("r"), mo("="), mn(previous.size), mo("+"), fence("("), mn(extent), mo("−"), mn(1), fence(")")),
    mo("·"),
    mn(previous.jump),
    mo("="),
    mn(row.rf.size),
  );
}

function paramsFormula(layer, row) {
  const groups = layer.groups ?? 1;
  const perFilter = [mn(layer.kernel), mo("·"), mn(layer.kernel), mo("·")];
  if (groups > 1) perFilter.push(fence("("), mn(row.channels_in), mo("/"), mn(groups), fence(")"));
  else perFilter.push(mn(row.channels_in));
  const body = (layer.bias ?? true)
    ? [fence("("), ...perFilter, mo("+"), mn(1), fence(")"), mo("·"), mn(layer.filters)]
    : [...perFilter, mo("·"), mn(layer.filters)];
  return math(mrow(...body, mo("="), mn(row.params)));
}

function macsFormula(layer, row) {
  const groups = layer.groups ?? 1;
  const channels = groups > 1 ? [fence("("), mn(row.channels_in), mo("/"), mn(groups), fence(")")] : [mn(row.channels_in)];
  return math(
    mrow(
      mn(row.size_out), mo("·"), mn(row.size_out), mo("·"), mn(layer.filters), mo("·"),
      mn(layer.kernel), mo("·"), mn(layer.kernel), mo("·"), ...channels, mo("="), mn(row.macs),
    ),
  );
}

// ---------------------------------------------------------------------------
// The receptive field drawn on the input
// ---------------------------------------------------------------------------

const VIEW = 300; // SVG user units of one panel's side

function fieldBounds(rf, index) {
  const centre = rf.start + index * rf.jump;
  return [centre - (rf.size - 1) / 2, centre + (rf.size - 1) / 2];
}

// The input with unit's field on it. A field small against a large input is
// shown magnified: the view is then the part of the input around it.
function drawInput(size, rf, unit, outSize, ids) {
  const [r0, r1] = fieldBounds(rf, unit[0]);
  const [c0, c1] = fieldBounds(rf, unit[1]);
  const next = unit[1] + 1 < outSize; // the next unit along the row, if there is one
  const [n0, n1] = next ? fieldBounds(rf, unit[1] + 1) : [c0, c1];
  const reach = Math.max(r1 - r0, n1 - c0) + 1;
  const whole = Math.max(size - 1, r1, n1) - Math.min(0, r0, c0) + 1;
  const zoom = reach * 3 < whole;
  let cells;
  let firstX;
  let firstY;
  if (zoom) {
    const margin = Math.ceil(reach * 0.6);
    cells = reach + 2 * margin;
    // Centred on the field, but not past the image's (or the padding's) edge.
    const place = (centre, low, high) => Math.max(low - 1, Math.min(high + 2 - cells, Math.floor(centre - cells / 2)));
    firstX = place((c0 + n1) / 2, Math.min(0, c0), Math.max(size - 1, n1));
    firstY = place((r0 + r1) / 2, Math.min(0, r0), Math.max(size - 1, r1));
  } else {
    const margin = Math.max(1, Math.round(whole * 0.03));
    cells = whole + 2 * margin;
    firstX = firstY = Math.min(0, r0, c0) - margin;
  }
  const cell = VIEW / cells;
  const x = (pixel) => (pixel - firstX) * cell;
  const y = (pixel) => (pixel - firstY) * cell;
  const parts = [
    svg("defs", {},
      svg("pattern", { id: ids.hatch, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        svg("rect", { width: 6, height: 6, class: "kc-x-pad-bg" }),
        svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "kc-x-pad-line" }))),
  ];
  const outside = Math.max(0, -r0) + Math.max(0, r1 - (size - 1)) + Math.max(0, -c0) + Math.max(0, c1 - (size - 1));
  if (Math.min(r0, c0) < 0 || Math.max(r1, n1) > size - 1) {
    // Outside the image, as far as the fields reach: the padding.
    parts.push(svg("rect", {
      x: x(Math.min(0, c0)), y: y(Math.min(0, r0)),
      width: (Math.max(size - 1, n1) - Math.min(0, c0) + 1) * cell,
      height: (Math.max(size - 1, r1) - Math.min(0, r0) + 1) * cell,
      fill: `url(#${ids.hatch})`, "data-kc": "field-padding",
    }));
  }
  parts.push(svg("rect", { x: x(0), y: y(0), width: size * cell, height: size * cell, class: "kc-x-image" }));
  if (cells <= 80) {
    const lines = [];
    for (let k = 1; k < size; k += 1) {
      if (k > firstX && k < firstX + cells) lines.push(`M${x(k)} ${y(0)}V${y(size)}`);
      if (k > firstY && k < firstY + cells) lines.push(`M${x(0)} ${y(k)}H${x(size)}`);
    }
    parts.push(svg("path", { d: lines.join(""), class: "kc-x-grid" }));
  }
  if (next) {
    parts.push(svg("rect", { x: x(n0), y: y(r0), width: (n1 - n0 + 1) * cell, height: (r1 - r0 + 1) * cell, class: "kc-x-next" }));
  }
  parts.push(
    svg("rect", { x: x(c0), y: y(r0), width: (c1 - c0 + 1) * cell, height: (r1 - r0 + 1) * cell, class: "kc-x-rf", "data-kc": "field-rect" }),
    svg("circle", { cx: x((c0 + c1) / 2) + cell / 2, cy: y((r0 + r1) / 2) + cell / 2, r: Math.max(2, Math.min(cell / 2, 5)), class: "kc-x-centre" }),
  );
  return {
    element: svg("svg", { viewBox: `0 0 ${VIEW} ${VIEW}`, class: "kc-x-panel", role: "img" }, parts),
    rows: [r0, r1],
    columns: [c0, c1],
    next,
    zoom,
    outside,
  };
}

function drawOutput(size, unit, onPick) {
  const cell = VIEW / size;
  const parts = [svg("rect", { x: 0, y: 0, width: VIEW, height: VIEW, class: "kc-x-image" })];
  if (size <= 64) {
    const lines = [];
    for (let k = 1; k < size; k += 1) lines.push(`M${k * cell} 0V${VIEW}`, `M0 ${k * cell}H${VIEW}`);
    parts.push(svg("path", { d: lines.join(""), class: "kc-x-grid" }));
  }
  parts.push(svg("rect", { x: unit[1] * cell, y: unit[0] * cell, width: cell, height: cell, class: "kc-x-unit" }));
  const element = svg("svg", { viewBox: `0 0 ${VIEW} ${VIEW}`, class: "kc-x-panel kc-x-pick", role: "img" }, parts);
  element.addEventListener("click", (event) => {
    const box = element.getBoundingClientRect();
    const column = Math.floor(((event.clientX - box.left) / box.width) * size);
    const line = Math.floor(((event.clientY - box.top) / box.height) * size);
    onPick([Math.min(size - 1, Math.max(0, line)), Math.min(size - 1, Math.max(0, column))]);
  });
  return element;
}

// ---------------------------------------------------------------------------
// The explorer
// ---------------------------------------------------------------------------

// options: {lang, presets: [{id, label, input, layers}], preset, state,
//           hash (read and write the page's address), onChange(state)}
export function mountExplorer(root, options = {}) {
  const t = translator(options.lang);
  const presets = options.presets || [];
  const ids = { hatch: uid("kc-x-hatch") };
  let state = { input: { size: 224, channels: 3 }, layers: [] };
  let presetId = null;
  let selected = 0;
  let unit = [0, 0];
  let message = "";
  // The address is rewritten only once the student has changed something:
  // a link to one of the page's sections keeps its anchor until then.
  let touched = false;

  root.classList.add("kc-x");
  root.textContent = "";
  const presetSelect = h("select", { "data-kc": "preset" });
  const inputSize = h("input", { type: "number", inputmode: "numeric", min: 1, step: 1, "data-kc": "input-size" });
  const inputChannels = h("input", { type: "number", inputmode: "numeric", min: 1, step: 1, "data-kc": "input-channels" });
  const notice = h("p", { class: "kc-x-notice", role: "status" });
  const list = h("ol", { class: "kc-x-layers" });
  const totals = h("div", { class: "kc-x-totals", "data-kc": "totals" });
  const fieldBox = h("div", { class: "kc-x-fieldview", "data-kc": "field-view" });
  root.append(
    h("div", { class: "kc-x-toolbar" },
      presets.length ? h("label", { class: "kc-x-field kc-x-wide" }, h("span", {}, t("preset")), presetSelect) : null,
      h("label", { class: "kc-x-field" }, h("span", {}, t("inputSize")), inputSize),
      h("label", { class: "kc-x-field" }, h("span", {}, t("inputChannels")), inputChannels),
      h("span", { class: "kc-x-buttons" },
        h("button", { type: "button", "data-kc": "add-conv", onclick: () => addLayer("conv") }, t("addConv")),
        h("button", { type: "button", "data-kc": "add-pool", onclick: () => addLayer("pool") }, t("addPool")))),
    notice, list, totals, fieldBox,
  );

  presetSelect.addEventListener("change", () => {
    touched = true;
    if (presetSelect.value) loadPreset(presetSelect.value);
  });
  inputSize.addEventListener("input", () => {
    state.input.size = inputSize.value === "" ? NaN : Number(inputSize.value);
    edited();
  });
  inputChannels.addEventListener("input", () => {
    state.input.channels = inputChannels.value === "" ? NaN : Number(inputChannels.value);
    edited();
  });

  function fillPresets() {
    presetSelect.textContent = "";
    if (presetId === null) presetSelect.append(h("option", { value: "", selected: true }, t("presetCustom")));
    for (const preset of presets) {
      presetSelect.append(h("option", { value: preset.id, selected: preset.id === presetId }, preset.label));
    }
  }

  function loadPreset(id) {
    const preset = presets.find((p) => p.id === id);
    if (!preset) {
      message = t("unknownPreset", { id });
      if (presets.length) loadPreset(presets[0].id);
      return;
    }
    state = { input: clone(preset.input), layers: clone(preset.layers) };
    presetId = id;
    selected = Math.max(0, state.layers.length - 1);
    unit = [0, 0];
    structure();
  }

  function edited() {
    touched = true;
    presetId = null;
    update();
  }

  function addLayer(kind) {
    touched = true;
    state.layers.push(newLayer(kind));
    selected = state.layers.length - 1;
    presetId = null;
    structure();
  }

  // The layer's controls changed shape (kind, padding mode): draw its card anew.
  function change(index, field, value, redraw = false) {
    const layer = state.layers[index];
    touched = true;
    delete layer.model_params; // no longer the original network's layer
    delete layer.model_macs;
    layer[field] = value;
    presetId = null;
    if (redraw) structure();
    else update();
  }

  function move(index, by) {
    const target = index + by;
    if (target < 0 || target >= state.layers.length) return;
    const [layer] = state.layers.splice(index, 1);
    state.layers.splice(target, 0, layer);
    touched = true;
    selected = target;
    presetId = null;
    structure();
  }

  function remove(index) {
    touched = true;
    state.layers.splice(index, 1);
    selected = Math.min(selected, Math.max(0, state.layers.length - 1));
    presetId = null;
    structure();
  }

  function paddingControls(index, layer) {
    const mode = paddingMode(layer.padding);
    const controls = [
      selectField(t("padding"), mode, [
        ["valid", t("paddingValid")], ["same", t("paddingSame")], ["pixels", t("paddingPixels")], ["pair", t("paddingPair")],
      ], { "data-kc": "padding-mode" }, (value) => {
        const pixels = Array.isArray(layer.padding) ? layer.padding : typeof layer.padding === "number" ? [layer.padding, layer.padding] : [1, 1];
        const next = { valid: "valid", same: "same", pixels: pixels[0], pair: [pixels[0], pixels[1]] }[value];
        change(index, "padding", next, true);
      }),
    ];
    if (mode === "pixels") {
      controls.push(numberField(t("pixels"), layer.padding, { min: 0, "data-kc": "padding" }, (v) => change(index, "padding", v)));
    } else if (mode === "pair") {
      controls.push(
        numberField(t("before"), layer.padding[0], { min: 0, "data-kc": "padding-before" }, (v) => change(index, "padding", [v, layer.padding[1]])),
        numberField(t("after"), layer.padding[1], { min: 0, "data-kc": "padding-after" }, (v) => change(index, "padding", [layer.padding[0], v])),
      );
    }
    return controls;
  }

  function card(layer, index) {
    const conv = layer.kind === "conv";
    const set = (field) => (value) => change(index, field, value);
    const controls = [
      selectField(t("kind"), layer.kind, [["conv", t("conv")], ["pool", t("pool")]], { "data-kc": "kind" }, (kind) => {
        const next = { ...newLayer(kind), name: layer.name, kernel: layer.kernel, stride: layer.stride, padding: layer.padding };
        state.layers[index] = next;
        presetId = null;
        touched = true;
        structure();
      }),
    ];
    if (!conv) {
      controls.push(selectField(t("op"), layer.op ?? "max", [["max", t("max")], ["avg", t("avg")]], { "data-kc": "op" }, set("op")));
    }
    controls.push(
      numberField(conv ? t("kernel") : t("window"), layer.kernel, { min: 1, "data-kc": "kernel" }, set("kernel")),
      numberField(t("stride"), layer.stride, { min: 1, "data-kc": "stride" }, set("stride")),
      ...paddingControls(index, layer),
    );
    if (conv) {
      controls.push(
        numberField(t("dilation"), layer.dilation ?? 1, { min: 1, "data-kc": "dilation" }, set("dilation")),
        numberField(t("filters"), layer.filters, { min: 1, "data-kc": "filters" }, set("filters")),
        numberField(t("groups"), layer.groups ?? 1, { min: 1, "data-kc": "groups" }, set("groups")),
      );
      const bias = h("input", { type: "checkbox", checked: layer.bias ?? true, "data-kc": "bias", onchange: () => change(index, "bias", bias.checked) });
      controls.push(h("label", { class: "kc-x-field kc-x-check" }, h("span", {}, t("bias")), bias));
    } else {
      controls.push(
        selectField(t("rounding"), layer.rounding ?? "floor", [["floor", t("floor")], ["ceil", t("ceil")]], { "data-kc": "rounding" }, set("rounding")),
      );
    }
    const title = h("button", { type: "button", class: "kc-x-title", title: t("showField"), "data-kc": "select", onclick: () => select(index) },
      h("span", { class: "kc-x-index" }, t("layerN", { index: index + 1 })),
      layer.name ? h("code", {}, layer.name) : null,
      h("span", { class: "kc-x-kind" }, conv ? t("conv") : t("pool")));
    const actions = h("span", { class: "kc-x-actions" },
      h("button", { type: "button", title: t("up"), "aria-label": t("up"), disabled: index === 0, onclick: () => move(index, -1) }, "↑"),
      h("button", { type: "button", title: t("down"), "aria-label": t("down"), disabled: index === state.layers.length - 1, onclick: () => move(index, 1) }, "↓"),
      h("button", { type: "button", title: t("remove"), "aria-label": t("remove"), "data-kc": "remove", onclick: () => remove(index) }, "✕"));
    return h("li", { class: `kc-x-layer kc-x-${layer.kind}`, "data-kc": "layer", "data-index": index },
      h("div", { class: "kc-x-head" }, title, actions),
      h("div", { class: "kc-x-controls" }, controls),
      h("div", { class: "kc-x-result", "data-kc": "result" }));
  }

  function select(index) {
    if (index !== selected) unit = [0, 0];
    selected = index;
    update();
  }

  function structure() {
    list.textContent = "";
    state.layers.forEach((layer, index) => list.append(card(layer, index)));
    if (!state.layers.length) list.append(h("li", { class: "kc-x-empty" }, t("empty")));
    update();
  }

  function line(label, ...content) {
    return h("div", { class: "kc-x-line" }, h("span", { class: "kc-x-label" }, label), " ", content);
  }

  function showResult(element, layer, row, previousRf) {
    element.textContent = "";
    if (!row) {
      element.append(h("p", { class: "kc-x-blocked" }, t("blocked", { index: "?" })));
      return;
    }
    if (row.error) {
      element.append(h("p", { class: "kc-x-error", role: "alert", "data-kc": "error" }, t.error(row.error)));
      return;
    }
    const conv = layer.kind === "conv";
    const [before, after] = row.padding;
    const shape = `${row.size_in}×${row.size_in}×${row.channels_in} → ${row.size_out}×${row.size_out}×${row.channels_out}`;
    element.append(
      line(t("outputSize"), h("strong", { "data-kc": "size-out" }, String(row.size_out)), h("span", { class: "kc-x-shape" }, ` (${shape})`), " ", sizeFormula(layer, row)),
    );
    if (before || after) {
      const odd = layer.padding === "same" && before !== after;
      element.append(line(t("applied"), t(odd ? "appliedSame" : "appliedPixels", { before, after })));
    }
    if (layer.in_channels !== undefined && layer.in_channels !== null) {
      element.append(h("p", { class: "kc-x-note" }, t("merged", { channels: layer.in_channels })));
    }
    element.append(
      line(t("field"),
        `${t("rfSize")} `, h("strong", { "data-kc": "rf-size" }, String(row.rf.size)),
        `${t("sep")}${t("jump")} `, h("strong", { "data-kc": "rf-jump" }, String(row.rf.jump)),
        `${t("sep")}${t("start")} `, h("strong", { "data-kc": "rf-start" }, num(row.rf.start)),
        "  ", fieldFormula(layer, previousRf, row)),
    );
    if (conv) {
      element.append(
        line(t("params"), h("strong", { "data-kc": "params" }, num(row.params)), " ", paramsFormula(layer, row)),
        line(t("macs"), h("strong", { "data-kc": "macs" }, num(row.macs)), " ", macsFormula(layer, row)),
      );
    } else {
      element.append(line(t("params"), h("strong", { "data-kc": "params" }, "0"), ` · ${t("poolFree")}`));
    }
    if (layer.model_params !== undefined && layer.model_params !== null) {
      element.append(h("p", { class: "kc-x-note", "data-kc": "model-params" },
        t("modelParams", { params: num(layer.model_params), macs: num(layer.model_macs ?? 0), kind: conv ? t("conv") : t("pool") })));
    }
  }

  function showTotals(rows) {
    totals.textContent = "";
    const done = rows.filter((r) => !r.error);
    const last = done[done.length - 1];
    const broken = rows.length && rows[rows.length - 1].error;
    const params = done.reduce((sum, r) => sum + r.params, 0);
    const macs = done.reduce((sum, r) => sum + r.macs, 0);
    const output = broken ? "—" : last ? `${last.size_out}×${last.size_out}×${last.channels_out}` : `${state.input.size}×${state.input.size}×${state.input.channels}`;
    totals.append(
      h("strong", {}, `${t("total")}: `),
      `${t("finalOutput")} `, h("span", { "data-kc": "total-output" }, output),
      ` · ${t("totalParams")} `, h("span", { "data-kc": "total-params" }, broken ? "—" : num(params)),
      ` · ${t("totalMacs")} `, h("span", { "data-kc": "total-macs" }, broken ? "—" : num(macs)),
      last && !broken ? ` · ${t("field")} ${last.rf.size}${t("sep")}${t("jump")} ${last.rf.jump}` : "",
    );
  }

  // The unit's row and column fields stay in place while the drawing is
  // redrawn, so that typing a number keeps the focus.
  const unitRow = h("input", { type: "number", inputmode: "numeric", min: 0, step: 1, "data-kc": "unit-row" });
  const unitColumn = h("input", { type: "number", inputmode: "numeric", min: 0, step: 1, "data-kc": "unit-column" });
  const fieldDrawing = h("div", { class: "kc-x-drawing" });
  const pickUnit = (which) => () => {
    const value = Number((which === 0 ? unitRow : unitColumn).value);
    if (Number.isInteger(value) && value >= 0) {
      unit = which === 0 ? [value, unit[1]] : [unit[0], value];
      update();
    }
  };
  unitRow.addEventListener("input", pickUnit(0));
  unitColumn.addEventListener("input", pickUnit(1));
  fieldBox.append(
    h("p", { class: "kc-x-subtitle" }, h("strong", {}, t("fieldTitle"))),
    h("div", { class: "kc-x-controls kc-x-unitpick" },
      h("span", { class: "kc-x-label" }, t("unit")),
      h("label", { class: "kc-x-field" }, h("span", {}, t("row")), unitRow),
      h("label", { class: "kc-x-field" }, h("span", {}, t("column")), unitColumn)),
    fieldDrawing,
  );

  function showField(rows) {
    fieldDrawing.textContent = "";
    const row = rows[selected];
    if (!row || row.error || !(state.input.size >= 1)) {
      fieldDrawing.append(h("p", {}, t("fieldNone")));
      return;
    }
    const size = row.size_out;
    unit = [Math.min(unit[0], size - 1), Math.min(unit[1], size - 1)];
    for (const [input, value] of [[unitRow, unit[0]], [unitColumn, unit[1]]]) {
      input.max = size - 1;
      if (document.activeElement !== input || Number(input.value) !== value) input.value = value;
    }
    const layer = state.layers[selected];
    const drawn = drawInput(state.input.size, row.rf, unit, size, ids);
    const output = drawOutput(size, unit, (picked) => {
      unit = picked;
      update();
    });
    const centre = row.rf.start + unit[0] * row.rf.jump;
    let sentence = t("fieldText", {
      i: unit[0], j: unit[1], index: selected + 1, rf: row.rf.size,
      r0: num(drawn.rows[0]), r1: num(drawn.rows[1]), c0: num(drawn.columns[0]), c1: num(drawn.columns[1]),
      start: num(row.rf.start), jump: row.rf.jump, centre: num(centre),
    });
    if (drawn.next) sentence += t("fieldNext", { jump: row.rf.jump });
    if (drawn.outside > 0) sentence += t("fieldPadding", { outside: drawn.outside });
    const name = layer.name || (layer.kind === "conv" ? t("conv") : t("pool"));
    fieldDrawing.append(
      h("div", { class: "kc-x-panels" },
        h("figure", {}, drawn.element, h("figcaption", {}, t(drawn.zoom ? "fieldInputZoom" : "fieldInput", { size: state.input.size }))),
        h("figure", {}, output, h("figcaption", {}, t("fieldOutput", { index: selected + 1, name, size })))),
      h("p", { class: "kc-x-fieldtext", "data-kc": "field-text" }, sentence),
    );
  }

  function update() {
    for (const [input, value] of [[inputSize, state.input.size], [inputChannels, state.input.channels]]) {
      if (document.activeElement !== input) input.value = Number.isFinite(value) ? value : "";
    }
    fillPresets();
    notice.textContent = message;
    notice.hidden = !message;
    const rows = evaluateStack(state.input, state.layers);
    let previous = { size: 1, jump: 1, start: 0 };
    list.querySelectorAll("li[data-kc=layer]").forEach((item, index) => {
      const element = item.querySelector("[data-kc=result]");
      const row = rows[index];
      if (!row) {
        element.textContent = "";
        element.append(h("p", { class: "kc-x-blocked" }, t("blocked", { index: rows.length })));
      } else {
        showResult(element, state.layers[index], row, previous);
        if (row.rf) previous = row.rf;
      }
      item.classList.toggle("kc-x-selected", index === selected);
      item.classList.toggle("kc-x-broken", Boolean(row && row.error));
    });
    showTotals(rows);
    showField(rows);
    if (options.hash && touched) {
      const hash = presetId ? `preset=${presetId}` : encodeState(state);
      if (location.hash.slice(1) !== hash) history.replaceState(null, "", `#${hash}`);
    }
    if (options.onChange) options.onChange(getState());
  }

  function getState() {
    return { input: clone(state.input), layers: clone(state.layers) };
  }

  function setState(next) {
    state = { input: clone(next.input), layers: clone(next.layers) };
    presetId = null;
    selected = Math.min(selected, Math.max(0, state.layers.length - 1));
    structure();
  }

  function fromHash() {
    message = "";
    let decoded = null;
    try {
      decoded = decodeState(location.hash);
    } catch (error) {
      message = t("hashProblem", { why: error.message });
    }
    if (decoded && decoded.preset) loadPreset(decoded.preset);
    else if (decoded) setState(decoded);
    else return false;
    return true;
  }

  if (options.hash && location.hash && fromHash()) {
    // the address chose the stack
  } else if (options.state) {
    setState(options.state);
  } else if (presets.length) {
    loadPreset(options.preset && presets.some((p) => p.id === options.preset) ? options.preset : presets[0].id);
  } else {
    structure();
  }
  if (options.hash) {
    window.addEventListener("hashchange", () => fromHash());
  }
  return { getState, setState, loadPreset };
}

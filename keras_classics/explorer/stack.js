// A stack of convolution and pooling layers worked through one after the
// other: each layer's input and output size, the padding it applies in
// pixels, its receptive field, parameters and MACs. No DOM here, so that
// Node can run it against keras_classics/explorer/stack.py (the same walk in
// Python) in tests/test_explorer_node.py.
//
// A layer is a plain object, the format the package writes
// (keras_classics.explorer.stack.check_layer):
//   {kind: "conv", name, kernel, stride, padding, dilation, filters, groups, bias}
//   {kind: "pool", name, op: "max" | "avg", kernel, stride, padding, rounding}
// with padding "valid", "same", p or [before, after]; optional in_channels
// (the channels a merge in the original network fed it), model_params and
// model_macs (what the original layer holds and costs where that is not the
// plain count of its kind).

import {
  ArithmeticError,
  convMacs,
  convOutputSize,
  convParams,
  poolOutputSize,
  pyRepr,
  receptiveFieldStep,
  resolvePadding,
} from "./arithmetic.js";

export function newLayer(kind) {
  if (kind === "pool") {
    return { kind: "pool", name: "", op: "max", kernel: 2, stride: 2, padding: "valid", rounding: "floor" };
  }
  return { kind: "conv", name: "", kernel: 3, stride: 1, padding: "same", dilation: 1, filters: 64, groups: 1, bias: true };
}

// Rows for the layers up to and including the first one that cannot be
// computed; that one carries `error` ({code, args, message}) and no output.
// A field left out (or null) takes its default, as in Python's evaluate().
export function evaluateStack(input, layers) {
  const rows = [];
  let size = input.size;
  let channels = input.channels;
  let rf = { size: 1, jump: 1, start: 0 };
  for (let index = 0; index < layers.length; index += 1) {
    const layer = layers[index];
    const channelsIn = layer.in_channels ?? channels;
    const row = { index, size_in: size, channels_in: channelsIn, error: null };
    try {
      const kernel = layer.kernel;
      const padding = layer.padding ?? "valid";
      if (layer.kind === "conv") {
        const stride = layer.stride ?? 1;
        const dilation = layer.dilation ?? 1;
        const groups = layer.groups ?? 1;
        const sizeOut = convOutputSize(size, kernel, stride, padding, dilation);
        row.padding = resolvePadding(size, kernel, stride, padding, dilation);
        row.params = convParams(kernel, channelsIn, layer.filters, groups, layer.bias ?? true);
        row.macs = convMacs(sizeOut, kernel, channelsIn, layer.filters, groups);
        rf = receptiveFieldStep(rf, kernel, stride, row.padding[0], dilation);
        row.size_out = sizeOut;
        row.channels_out = layer.filters;
      } else if (layer.kind === "pool") {
        const stride = layer.stride ?? kernel;
        const sizeOut = poolOutputSize(size, kernel, stride, padding, layer.rounding ?? "floor");
        row.padding = resolvePadding(size, kernel, stride, padding, 1);
        row.params = 0;
        row.macs = 0;
        rf = receptiveFieldStep(rf, kernel, stride, row.padding[0], 1);
        row.size_out = sizeOut;
        row.channels_out = channelsIn;
      } else {
        throw new ArithmeticError(
          "kind",
          { value: layer.kind },
          `a layer's kind must be 'conv' or 'pool', got ${pyRepr(layer.kind)}`,
        );
      }
    } catch (error) {
      if (!(error instanceof ArithmeticError)) throw error;
      delete row.padding;
      delete row.params;
      delete row.macs;
      row.error = { code: error.code, args: error.args, message: error.message };
      rows.push(row);
      break;
    }
    row.rf = { ...rf };
    rows.push(row);
    size = row.size_out;
    channels = row.channels_out;
  }
  return rows;
}

// ---------------------------------------------------------------------------
// The stack in the page's address: #input=224x3&layers=conv:k7,s2,p3,...;pool:...
// One letter per field, so that a link stays short and readable.
// ---------------------------------------------------------------------------

const FIELDS = {
  k: "kernel",
  s: "stride",
  p: "padding",
  d: "dilation",
  f: "filters",
  g: "groups",
  b: "bias",
  r: "rounding",
  o: "op",
  c: "in_channels",
  m: "model_params",
  x: "model_macs",
  n: "name",
};
const LETTERS = Object.fromEntries(Object.entries(FIELDS).map(([letter, field]) => [field, letter]));

function encodePadding(padding) {
  return Array.isArray(padding) ? `${padding[0]}-${padding[1]}` : String(padding);
}

function decodePadding(text) {
  if (text === "valid" || text === "same") return text;
  const parts = text.split("-");
  if (parts.length === 2) return [Number(parts[0]), Number(parts[1])];
  return Number(text);
}

export function encodeState(state) {
  const layers = state.layers.map((layer) => {
    const fields = Object.entries(layer)
      .filter(([field, value]) => field in LETTERS && value !== undefined && value !== null && value !== "")
      .map(([field, value]) => {
        if (field === "padding") return `p${encodePadding(value)}`;
        if (field === "bias") return `b${value ? 1 : 0}`;
        if (field === "name") return `n${encodeURIComponent(value)}`;
        return `${LETTERS[field]}${value}`;
      });
    return `${layer.kind}:${fields.join(",")}`;
  });
  return `input=${state.input.size}x${state.input.channels}&layers=${layers.join(";")}`;
}

// The state a hash holds, or {preset: id}, or null when it holds neither.
// Throws an Error naming what it could not read.
export function decodeState(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  if (params.has("preset")) return { preset: params.get("preset") };
  if (!params.has("layers") && !params.has("input")) return null;
  const input = (params.get("input") || "224x3").split("x").map(Number);
  if (input.length !== 2 || !input.every(Number.isInteger)) {
    throw new Error(`input=${params.get("input")} is not SIZExCHANNELS`);
  }
  const text = params.get("layers") || "";
  const layers = text
    ? text.split(";").map((part) => {
        const [kind, body = ""] = part.split(":");
        if (kind !== "conv" && kind !== "pool") throw new Error(`"${part}" is not conv:... or pool:...`);
        const layer = { ...newLayer(kind), name: "" };
        for (const item of body ? body.split(",") : []) {
          const field = FIELDS[item[0]];
          const value = item.slice(1);
          if (!field) throw new Error(`"${item}" in "${part}" names no field`);
          if (field === "padding") layer.padding = decodePadding(value);
          else if (field === "bias") layer.bias = value !== "0";
          else if (field === "name") layer.name = decodeURIComponent(value);
          else if (field === "rounding" || field === "op") layer[field] = value;
          else layer[field] = Number(value);
        }
        return layer;
      })
    : [];
  return { input: { size: input[0], channels: input[1] }, layers };
}

// Conv arithmetic for the browser: the same functions, argument order and
// conditions as keras_classics/arithmetic.py, so that the explorer page, the
// notebook widget and the package never disagree on a number.
// tests/test_explorer_node.py runs this module under Node against the Python
// functions on hypothesis-drawn cases, valid and invalid.
//
// Conventions (as in the Python module): sizes are along one axis; padding is
// "valid", "same" (TensorFlow's split: the odd pixel goes after), an integer
// p (p pixels on both sides) or a pair [before, after]. Where Python raises
// ValueError, these functions throw an ArithmeticError whose message is
// Python's message, word for word, and whose code and args let a page say the
// same in its own language.

export class ArithmeticError extends Error {
  constructor(code, args, message) {
    super(message);
    this.name = "ArithmeticError";
    this.code = code;
    this.args = args;
  }
}

// What Python's repr() prints for the values a page or a JSON test can pass.
export function pyRepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return String(value);
}

function checkInt(name, value, minimum) {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ArithmeticError(
      "not_integer",
      { name, value, minimum },
      `${name} must be an integer >= ${minimum}, got ${pyRepr(value)}`,
    );
  }
  if (value < minimum) {
    throw new ArithmeticError("too_small", { name, value, minimum }, `${name} must be >= ${minimum}, got ${value}`);
  }
  return value;
}

function pair(name, value) {
  if (Array.isArray(value)) {
    if (value.length !== 2) {
      throw new ArithmeticError(
        "not_pair",
        { name, value },
        `${name} must be an int or a pair (height, width), got ${pyRepr(value)}`,
      );
    }
    return [checkInt(name, value[0], 1), checkInt(name, value[1], 1)];
  }
  checkInt(name, value, 1);
  return [value, value];
}

function effectiveKernel(kernel, dilation) {
  return dilation * (kernel - 1) + 1;
}

// Python's a // b for the non-negative integers used here, and its ceiling.
const floorDiv = (a, b) => Math.floor(a / b);
const ceilDiv = (a, b) => -Math.floor(-a / b);

export function samePadding(size, kernel, stride = 1, dilation = 1) {
  checkInt("size", size, 1);
  checkInt("kernel", kernel, 1);
  checkInt("stride", stride, 1);
  checkInt("dilation", dilation, 1);
  const extent = effectiveKernel(kernel, dilation);
  const out = ceilDiv(size, stride);
  const total = Math.max((out - 1) * stride + extent - size, 0);
  return [floorDiv(total, 2), total - floorDiv(total, 2)];
}

export function resolvePadding(size, kernel, stride = 1, padding = "valid", dilation = 1) {
  if (typeof padding === "string") {
    const word = padding.toLowerCase();
    if (word === "valid") return [0, 0];
    if (word === "same") return samePadding(size, kernel, stride, dilation);
    throw new ArithmeticError(
      "padding_word",
      { value: padding },
      `padding must be 'valid', 'same', an int or a pair (before, after), got ${pyRepr(padding)}`,
    );
  }
  if (Array.isArray(padding)) {
    if (padding.length !== 2) {
      throw new ArithmeticError(
        "padding_pair",
        { value: padding },
        `padding as a sequence must be a pair (before, after), got ${pyRepr(padding)}`,
      );
    }
    return [checkInt("padding", padding[0], 0), checkInt("padding", padding[1], 0)];
  }
  checkInt("padding", padding, 0);
  return [padding, padding];
}

function slidingOutputSize(size, kernel, stride, padding, dilation, rounding, what) {
  checkInt("size", size, 1);
  checkInt(what, kernel, 1);
  checkInt("stride", stride, 1);
  checkInt("dilation", dilation, 1);
  if (rounding !== "floor" && rounding !== "ceil") {
    throw new ArithmeticError(
      "rounding_word",
      { value: rounding },
      `rounding must be 'floor' or 'ceil', got ${pyRepr(rounding)}`,
    );
  }
  const [before, after] = resolvePadding(size, kernel, stride, padding, dilation);
  if (rounding === "ceil" && Math.max(before, after) > floorDiv(kernel, 2)) {
    // Past half the window a ceil-mode window can lie wholly in the padding
    // (Caffe miscounts it, PyTorch refuses it): refused, as in Python.
    throw new ArithmeticError(
      "ceil_padding",
      { before, after, kernel },
      `padding ${before}+${after} is more than half the pool ${kernel}; with ` +
        "rounding='ceil' the padding must be at most pool // 2",
    );
  }
  const padded = size + before + after;
  const extent = effectiveKernel(kernel, dilation);
  if (extent > padded) {
    throw new ArithmeticError(
      "too_large",
      { what, kernel, dilation, extent, padded, size, before, after, need: extent - before - after },
      `${what} ${kernel}` +
        (dilation > 1 ? ` (dilated extent ${extent})` : "") +
        ` is larger than the padded input ${padded} (size ${size} + padding ${before}+${after});` +
        ` the input must be at least ${extent - before - after}`,
    );
  }
  const span = padded - extent;
  let steps;
  if (rounding === "floor") {
    steps = floorDiv(span, stride);
  } else {
    steps = ceilDiv(span, stride);
    // Caffe's rule: the last window starts inside the input or its leading
    // padding, never wholly in the trailing padding.
    if (steps * stride >= size + before) steps -= 1;
  }
  return steps + 1;
}

export function convOutputSize(size, kernel, stride = 1, padding = "valid", dilation = 1) {
  return slidingOutputSize(size, kernel, stride, padding, dilation, "floor", "kernel");
}

export function poolOutputSize(size, pool, stride = null, padding = "valid", rounding = "floor") {
  if (stride === null || stride === undefined) stride = pool;
  return slidingOutputSize(size, pool, stride, padding, 1, rounding, "pool");
}

export function convParams(kernel, inChannels, filters, groups = 1, useBias = true) {
  const [kh, kw] = pair("kernel", kernel);
  checkInt("in_channels", inChannels, 1);
  checkInt("filters", filters, 1);
  checkInt("groups", groups, 1);
  if (inChannels % groups || filters % groups) {
    throw new ArithmeticError(
      "groups",
      { groups, inChannels, filters },
      `groups=${groups} must divide both in_channels=${inChannels} and filters=${filters}`,
    );
  }
  return kh * kw * (inChannels / groups) * filters + (useBias ? filters : 0);
}

export function convMacs(outputSize, kernel, inChannels, filters, groups = 1) {
  const [oh, ow] = pair("output_size", outputSize);
  return oh * ow * convParams(kernel, inChannels, filters, groups, false);
}

export function receptiveFieldStep(rf, kernel, stride = 1, paddingBefore = 0, dilation = 1) {
  checkInt("kernel", kernel, 1);
  checkInt("stride", stride, 1);
  checkInt("padding_before", paddingBefore, 0);
  checkInt("dilation", dilation, 1);
  const extent = effectiveKernel(kernel, dilation);
  return {
    size: rf.size + (extent - 1) * rf.jump,
    jump: rf.jump * stride,
    start: rf.start + ((extent - 1) / 2 - paddingBefore) * rf.jump,
  };
}

// layers: [kernel, stride], [kernel, stride, padding_before] or
// [kernel, stride, padding_before, dilation], as in Python.
export function receptiveField(layers) {
  let rf = { size: 1, jump: 1, start: 0 };
  layers.forEach((layer, index) => {
    if (!Array.isArray(layer) || layer.length < 2 || layer.length > 4) {
      throw new ArithmeticError(
        "layer_shape",
        { index, layer },
        `layer ${index} must be (kernel, stride[, padding_before[, dilation]]), got ${pyRepr(layer)}`,
      );
    }
    rf = receptiveFieldStep(rf, ...layer);
  });
  return rf;
}

// One convolution on a small grid: the padded input, the kernel's window at
// one output position, the output filled in step by step. The sizes and the
// padding come from arithmetic.js, as in the explorer.

import { convOutputSize, resolvePadding, ArithmeticError } from "./arithmetic.js";
import { h, numberField, selectField, svg } from "./dom.js";
import { translator } from "./words.js";

const CELL = 24; // SVG units per pixel
const GAP = 2 * CELL; // between the input and the output

// options: {lang, size, kernel, stride, padding, dilation}
export function mountSlider(root, options = {}) {
  const t = translator(options.lang);
  const settings = {
    size: options.size ?? 7,
    kernel: options.kernel ?? 3,
    stride: options.stride ?? 2,
    padding: options.padding ?? 1,
    dilation: options.dilation ?? 1,
  };
  let step = 0;
  let timer = null;

  root.classList.add("kc-x", "kc-slide-view");
  root.textContent = "";
  const set = (field, redraw) => (value) => {
    settings[field] = value;
    step = 0;
    if (redraw) controls();
    draw();
  };
  const controlBox = h("div", { class: "kc-x-controls" });
  const picture = h("div", { class: "kc-x-slide-picture" });
  const caption = h("p", { class: "kc-x-fieldtext", "data-kc": "slide-text" });
  const playButton = h("button", { type: "button", "data-kc": "play", onclick: () => play() }, t("play"));
  const buttons = h("div", { class: "kc-x-buttons" },
    h("button", { type: "button", "data-kc": "first", onclick: () => go(0) }, `« ${t("first")}`),
    h("button", { type: "button", "data-kc": "previous", onclick: () => go(step - 1) }, `‹ ${t("previous")}`),
    h("button", { type: "button", "data-kc": "next", onclick: () => go(step + 1) }, `${t("next")} ›`),
    h("button", { type: "button", "data-kc": "last", onclick: () => go(Infinity) }, `${t("last")} »`),
    playButton);
  root.append(controlBox, buttons, picture, caption);

  function controls() {
    const mode = typeof settings.padding === "string" ? settings.padding : "pixels";
    controlBox.textContent = "";
    controlBox.append(
      numberField(t("slideSize"), settings.size, { min: 1, max: 16, "data-kc": "slide-size" }, set("size")),
      numberField(t("kernel"), settings.kernel, { min: 1, max: 9, "data-kc": "slide-kernel" }, set("kernel")),
      numberField(t("stride"), settings.stride, { min: 1, max: 5, "data-kc": "slide-stride" }, set("stride")),
      selectField(t("padding"), mode, [["valid", t("paddingValid")], ["same", t("paddingSame")], ["pixels", t("paddingPixels")]],
        { "data-kc": "slide-padding-mode" },
        (value) => set("padding", true)(value === "pixels" ? 1 : value)),
      mode === "pixels" ? numberField(t("pixels"), settings.padding, { min: 0, max: 6, "data-kc": "slide-padding" }, set("padding")) : null,
      numberField(t("dilation"), settings.dilation, { min: 1, max: 4, "data-kc": "slide-dilation" }, set("dilation")),
    );
  }

  function geometry() {
    const { size, kernel, stride, padding, dilation } = settings;
    const out = convOutputSize(size, kernel, stride, padding, dilation);
    const [before, after] = resolvePadding(size, kernel, stride, padding, dilation);
    return { out, before, after, padded: size + before + after };
  }

  function go(target) {
    let g;
    try {
      g = geometry();
    } catch (error) {
      return;
    }
    step = Math.max(0, Math.min(g.out * g.out - 1, target));
    draw();
  }

  function play() {
    if (timer) {
      clearInterval(timer);
      timer = null;
      playButton.textContent = t("play");
      return;
    }
    playButton.textContent = t("pause");
    timer = setInterval(() => {
      let g;
      try {
        g = geometry();
      } catch (error) {
        return play();
      }
      step = (step + 1) % (g.out * g.out);
      draw();
    }, 800);
  }

  function draw() {
    picture.textContent = "";
    let g;
    try {
      if (settings.size > 32 || settings.kernel > 16) throw new Error(`size <= 32 and kernel <= 16 here`);
      g = geometry();
    } catch (error) {
      caption.textContent = error instanceof ArithmeticError ? t.error(error) : error.message;
      caption.classList.add("kc-x-error");
      return;
    }
    caption.classList.remove("kc-x-error");
    const { size, kernel, stride, dilation } = settings;
    const { out, before, padded } = g;
    const r = Math.floor(step / out);
    const c = step % out;
    const parts = [];
    // The padded input: padding cells grey and dashed, the image's cells white.
    for (let y = 0; y < padded; y += 1) {
      for (let x = 0; x < padded; x += 1) {
        const inside = y >= before && y < before + size && x >= before && x < before + size;
        parts.push(svg("rect", { x: x * CELL, y: y * CELL, width: CELL, height: CELL, class: inside ? "kc-x-cell" : "kc-x-padcell" }));
      }
    }
    // The kernel's taps at output (r, c).
    const taps = [];
    for (let u = 0; u < kernel; u += 1) {
      for (let v = 0; v < kernel; v += 1) {
        const y = r * stride + u * dilation;
        const x = c * stride + v * dilation;
        taps.push(svg("rect", { x: x * CELL + 2, y: y * CELL + 2, width: CELL - 4, height: CELL - 4, class: "kc-x-tap", "data-kc": "tap" }));
      }
    }
    const extent = dilation * (kernel - 1) + 1;
    parts.push(...taps, svg("rect", {
      x: c * stride * CELL, y: r * stride * CELL, width: extent * CELL, height: extent * CELL, class: "kc-x-window",
    }));
    // The output, filled up to this step.
    const left = padded * CELL + GAP;
    const top = Math.max(0, ((padded - out) * CELL) / 2);
    for (let k = 0; k < out * out; k += 1) {
      const y = Math.floor(k / out);
      const x = k % out;
      const kind = k === step ? "kc-x-now" : k < step ? "kc-x-done" : "kc-x-cell";
      parts.push(svg("rect", { x: left + x * CELL, y: top + y * CELL, width: CELL, height: CELL, class: kind }));
    }
    parts.push(
      svg("path", { d: `M${padded * CELL + 6} ${(padded * CELL) / 2}h${GAP - 14}`, class: "kc-x-arrow" }),
      svg("path", { d: `M${left - 10} ${(padded * CELL) / 2 - 5}l6 5l-6 5`, class: "kc-x-arrow" }),
    );
    const width = left + out * CELL;
    const height = Math.max(padded, out) * CELL;
    picture.append(
      svg("svg", { viewBox: `-1 -1 ${width + 2} ${height + 2}`, class: "kc-x-slide", role: "img", "data-kc": "slide-svg" }, parts),
      h("div", { class: "kc-x-legend" },
        h("span", {}, `${t("slidePadded")}: ${padded}×${padded}`),
        h("span", {}, `${t("slideOutput")}: ${out}×${out}`)),
    );
    const r0 = r * stride - before;
    const c0 = c * stride - before;
    const signed = (value) => (value < 0 ? `−${-value}` : String(value));
    let sentence = t("step", {
      t: step + 1, total: out * out, r, c,
      r0: signed(r0), r1: signed(r0 + extent - 1), c0: signed(c0), c1: signed(c0 + extent - 1),
    });
    if (g.before || g.after) sentence += t("stepPadding", { last: size - 1 });
    if (dilation > 1) sentence += t("stepDilation", { d: dilation });
    caption.textContent = sentence;
  }

  controls();
  draw();
  return { go, settings };
}

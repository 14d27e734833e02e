// The notebook widget (anywidget): the explorer on the model's traitlets.
// keras_classics.explore() hands this module, with those it imports inlined,
// to anywidget as its _esm. The traitlets: lang, input ({size, channels})
// and layers (the format of stack.js); the student's edits go back to Python.

import { mountExplorer } from "./explorer.js";

// A field the student is still typing (empty, so NaN, null once in JSON)
// is not sent to Python until it holds a number again.
function complete(state) {
  const values = [state.input.size, state.input.channels];
  for (const layer of state.layers) values.push(...Object.values(layer).flat());
  return values.every((value) => value !== null && value !== undefined);
}

function render({ model, el }) {
  let quiet = false; // set while one side writes to the other
  const read = () => ({ input: model.get("input"), layers: model.get("layers") });
  const explorer = mountExplorer(el, {
    lang: model.get("lang"),
    state: read(),
    onChange(state) {
      if (quiet || !complete(state)) return;
      quiet = true;
      try {
        model.set("input", state.input);
        model.set("layers", state.layers);
        model.save_changes();
      } finally {
        quiet = false;
      }
    },
  });
  const fromPython = () => {
    if (quiet) return;
    quiet = true;
    try {
      explorer.setState(read());
    } finally {
      quiet = false;
    }
  };
  model.on("change:layers", fromPython);
  model.on("change:input", fromPython);
  return () => {
    model.off("change:layers", fromPython);
    model.off("change:input", fromPython);
  };
}

export default { render };

// The site's entry: mounts every explorer and step-by-step view of a page.
// The docs build inlines this module, and those it imports, into the page
// (keras_classics.explorer.module_source), so that the page needs no request
// and works from a file:// URL, where Chromium refuses module imports.

import { mountExplorer } from "./explorer.js";
import { mountSlider } from "./slide.js";

export function mountAll(page) {
  for (const element of page.querySelectorAll(".kc-explorer[data-kc-config]")) {
    // Only the page's explorer reads and writes the address (#preset=...).
    mountExplorer(element, { ...JSON.parse(element.dataset.kcConfig), hash: true });
  }
  for (const element of page.querySelectorAll(".kc-slide[data-kc-config]")) {
    mountSlider(element, JSON.parse(element.dataset.kcConfig));
  }
}

mountAll(document);

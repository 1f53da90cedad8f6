// The allocation map of a 权属调整 version (templates/realloc_version.html): old contract parcels
// (dashed outline) and new parcels (filled), coloured per household — the same colour before and
// after — on the plain background every landcon map uses. Data: /projects/{code}/realloc/{n}/allocation.geojson.

import * as maplibregl from "/static/vendor/maplibre-gl.mjs";
import { bboxOf, escapeHtml } from "/static/map.js";

maplibregl.setWorkerUrl(new URL("/static/vendor/maplibre-gl-worker.mjs", location.href).href);

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c",
  "#008080", "#9a6324", "#800000", "#808000", "#000075", "#fabebe", "#ffe119", "#aaffc3"];

export async function allocationMap(el, url) {
  const data = await (await fetch(url, { credentials: "same-origin" })).json();
  const all = bboxOf(data.features.map((f) => f.geometry));
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#f7f7f4" } }] },
    bounds: all ? [[all[0], all[1]], [all[2], all[3]]] : undefined,
    fitBoundsOptions: { padding: 30 },
    attributionControl: false,
    dragRotate: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  await new Promise((resolve) => (map.loaded() ? resolve() : map.once("load", resolve)));
  const colour = ["to-color", ["at", ["%", ["get", "colour"], PALETTE.length], ["literal", PALETTE]]];
  map.addSource("alloc", { type: "geojson", data });
  map.addLayer({ id: "after-fill", type: "fill", source: "alloc", filter: ["==", ["get", "kind"], "after"], paint: { "fill-color": colour, "fill-opacity": 0.55 } });
  map.addLayer({ id: "after-line", type: "line", source: "alloc", filter: ["==", ["get", "kind"], "after"], paint: { "line-color": "#333", "line-width": 0.8 } });
  map.addLayer({ id: "before-line", type: "line", source: "alloc", filter: ["==", ["get", "kind"], "before"], paint: { "line-color": colour, "line-width": 1.4, "line-dasharray": [2, 2] } });
  map.on("click", (event) => {
    const hits = map.queryRenderedFeatures(event.point, { layers: ["after-fill"] });
    if (!hits.length) return;
    const p = hits[0].properties;
    new maplibregl.Popup({ maxWidth: "280px" }).setLngLat(event.lngLat)
      .setHTML(`<h4>${escapeHtml(p.name)}</h4><div><code>${escapeHtml(p.dkbm)}</code></div><div>${escapeHtml(String(p.area))} 平方米</div>`)
      .addTo(map);
  });
  el.dataset.drawn = String(data.features.length);
  return map;
}

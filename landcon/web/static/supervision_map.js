// The supervision layer of the project map: sub-project outlines and site photo markers.
//
//   addSupervision(handle, code)  fetches /projects/<code>/supervision.geojson (services.supervision_map)
//                                 and draws it on a datasetMap handle; resolves to the photo count.
//
// Photos are HTML markers (one per photo, few per project): blue on site; red when flagged (taken
// outside the sub-project's outline beyond the buffer, or without a position); a photo without a
// position is a hollow red ring at a point inside its sub-project. A click opens the thumbnail,
// time, sub-project and flag.

import * as maplibregl from "/static/vendor/maplibre-gl.mjs";
import { escapeHtml } from "/static/map.js";

const OUTLINE = "#6b46c1";

function popupHtml(code, p) {
  const base = `/projects/${encodeURIComponent(code)}/supervision/photos/${encodeURIComponent(p.id)}`;
  const flag = p.flagged
    ? `<span class="badge warning">${escapeHtml(p.status_name)}</span>${p.distance_m ? ` 距范围 ${escapeHtml(Number(p.distance_m).toFixed(1))} 米` : ""}`
    : `<span class="badge pass">${escapeHtml(p.status_name)}</span>`;
  return (
    `<a href="${base}" target="_blank"><img src="${base}?thumb=true" alt="${escapeHtml(p.filename)}" style="max-width:200px;height:auto;display:block"></a>` +
    `<table><tr><th>子项目</th><td>${escapeHtml(p.sub_project)} ${escapeHtml(p.sub_project_name)}</td></tr>` +
    `<tr><th>拍摄时间</th><td>${escapeHtml(p.taken_at ? p.taken_at.replace("T", " ") : "—")}</td></tr>` +
    `<tr><th>位置</th><td>${flag}</td></tr></table>`
  );
}

export async function addSupervision(handle, code) {
  const response = await fetch(`/projects/${encodeURIComponent(code)}/supervision.geojson`);
  if (!response.ok) return 0;
  const data = await response.json();
  if (!data.features.length) return 0;
  const map = handle.map;
  const outlines = data.features.filter((f) => f.properties.kind === "sub_project");
  map.addSource("sup-outlines", { type: "geojson", data: { type: "FeatureCollection", features: outlines } });
  map.addLayer({ id: "sup-outline", type: "line", source: "sup-outlines", paint: { "line-color": OUTLINE, "line-width": 2, "line-dasharray": [3, 2] } });
  const photos = data.features.filter((f) => f.properties.kind === "photo");
  for (const f of photos) {
    const p = f.properties;
    const dot = document.createElement("div");
    dot.className = `marker-photo${p.flagged ? " flagged" : ""}${p.located ? "" : " unplaced"}`;
    dot.dataset.photo = String(p.id);
    dot.title = `照片 #${p.id} · ${p.sub_project} · ${p.status_name}`;
    const popup = new maplibregl.Popup({ offset: 10, maxWidth: "260px" }).setHTML(popupHtml(code, p));
    new maplibregl.Marker({ element: dot }).setLngLat(f.geometry.coordinates).setPopup(popup).addTo(map);
  }
  return photos.length;
}

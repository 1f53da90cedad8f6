// The supervision dashboard (/dashboard): Apache ECharts charts and the county map, drawn from the
// figures of services.dashboard embedded in the page. The page loads /static/vendor/echarts.min.js
// (the global `echarts`); the map is the overview's county map (map.js), coloured by project count.
//
//   dashboard(root, data)    draws every [data-chart] element under root and the #dash-map map

import { overviewMap } from "/static/map.js";

const MU = 10000 / 15;
const COLORS = ["#175e54", "#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#c53030"];
const TEXT = { fontFamily: '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif' };

function base(extra) {
  return {
    color: COLORS,
    textStyle: TEXT,
    animation: false,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    ...extra,
  };
}

const round = (v, d = 2) => (v == null ? null : Math.round(v * 10 ** d) / 10 ** d);

/** ECharts options by chart name, from the dashboard's data. */
export const CHARTS = {
  stages: (data) =>
    base({
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.by_stage.map((s) => s.name) },
      series: [{ type: "bar", name: "项目数", data: data.by_stage.map((s) => s.projects), label: { show: true, position: "right" } }],
    }),
  progress: (data) => {
    const rows = data.projects.filter((p) => p.progress);
    return base({
      legend: { top: 0 },
      xAxis: { type: "value", max: 100, name: "%" },
      yAxis: { type: "category", inverse: true, data: rows.map((p) => p.name) },
      series: [
        { type: "bar", name: "完成", data: rows.map((p) => p.progress.percent) },
        { type: "bar", name: "计划", data: rows.map((p) => p.progress.planned) },
      ],
    });
  },
  funds: (data) =>
    base({
      legend: { top: 0 },
      xAxis: { type: "category", data: data.funds.map((f) => f.source) },
      yAxis: { type: "value", name: "万元" },
      series: [
        { type: "bar", name: "方案筹措", data: data.funds.map((f) => f.planned) },
        { type: "bar", name: "子项目安排", data: data.funds.map((f) => f.allocated) },
        { type: "bar", name: "已拨付", data: data.funds.map((f) => f.disbursed) },
      ],
    }),
  farmland: (data) =>
    base({
      xAxis: { type: "category", data: ["方案计划", "变更调查已实现", "已验收"] },
      yAxis: { type: "value", name: "亩" },
      series: [
        {
          type: "bar",
          name: "新增耕地（亩）",
          colorBy: "data",
          label: { show: true, position: "top" },
          data: [data.totals.planned_m2, data.totals.detected_m2, data.totals.accepted_m2].map((m2) => round(m2 / MU)),
        },
      ],
    }),
  alerts: (data) =>
    base({
      tooltip: { trigger: "item" },
      legend: { top: 0 },
      series: [
        {
          type: "pie",
          name: "未处理预警",
          radius: ["35%", "65%"],
          top: 24,
          data: (data.alerts?.by_kind || []).map((k) => ({ name: k.label, value: k.count })),
        },
      ],
    }),
};

export function dashboard(root, data) {
  const charts = [];
  for (const el of root.querySelectorAll("[data-chart]")) {
    const chart = globalThis.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(CHARTS[el.dataset.chart](data));
    charts.push(chart);
  }
  addEventListener("resize", () => charts.forEach((c) => c.resize()));
  const map = root.getElementById("dash-map");
  if (map) overviewMap(map, data);
  return charts;
}

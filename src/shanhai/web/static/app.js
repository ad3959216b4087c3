// 山海 front-end behaviour: no inline scripts, data comes from <script type="application/json"> blocks.
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });

  // a destructive button asks first (删除, 撤销); without scripts the server still checks everything
  document.querySelectorAll("button[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (el.getAttribute("data-confirm") && !window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var holder = document.getElementById("funds-chart");
  var dataEl = document.getElementById("funds-chart-data");
  if (!holder || !dataEl || typeof echarts === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var num = function (v) { return v === null ? null : Number(v); };
  var chart = echarts.init(holder, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + " 万元"; } },
    legend: { data: ["计划", "到位"], top: 0, right: 10 },
    grid: { left: 60, right: 20, bottom: 60, top: 40 },
    xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 5 ? 20 : 0 } },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "计划", type: "bar", data: data.planned.map(num), itemStyle: { color: "#9bb7d4" } },
      { name: "到位", type: "bar", data: data.delivered.map(num), itemStyle: { color: "#c0392b" },
        label: { show: true, position: "top", fontSize: 11 } }
    ],
    animation: false
  });
  holder.setAttribute("data-rendered", "true");
  window.addEventListener("resize", function () { chart.resize(); });
})();

// pivot charts: the analytics page and the views pinned to the dashboard
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var num = function (v) { return v === null || v === undefined ? null : Number(v); };
  document.querySelectorAll(".pivot-chart").forEach(function (holder) {
    var dataEl = document.getElementById(holder.getAttribute("data-source"));
    if (!dataEl) return;
    var data = JSON.parse(dataEl.textContent);
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    var option;
    if (data.chart === "pie") {
      option = {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: "65%",
          data: data.rows.map(function (r) { return { name: r.ou + " · " + r.dx, value: num(r.values[0]) }; }) }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 70, right: 20, bottom: 40, top: 40 },
        xAxis: { type: "category", data: data.columns },
        yAxis: { type: "value" },
        series: data.rows.map(function (r) {
          return { name: r.dx + " · " + r.ou, type: data.chart, data: r.values.map(num) };
        })
      };
    }
    option.animation = false;
    chart.setOption(option);
    holder.setAttribute("data-rendered", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();

// a fund plan (or a programme's plans) over the year: cumulative amount due by the tranches vs paid
(function () {
  "use strict";
  var holder = document.getElementById("plan-chart");
  var dataEl = document.getElementById("plan-chart-data");
  if (!holder || !dataEl || typeof echarts === "undefined") return;
  var months = JSON.parse(dataEl.textContent);
  var wan = function (v) { return Math.round(Number(v) / 100) / 100; };
  var chart = echarts.init(holder, null, { renderer: "canvas" });
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + " 万元"; } },
    legend: { data: ["应拨付（累计）", "实拨付（累计）"], top: 0, right: 10 },
    grid: { left: 60, right: 20, bottom: 40, top: 40 },
    xAxis: { type: "category", data: months.map(function (m) { return m.month + "月"; }) },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "应拨付（累计）", type: "line", step: "end", data: months.map(function (m) { return wan(m.due); }), itemStyle: { color: "#9bb7d4" } },
      { name: "实拨付（累计）", type: "line", step: "end", data: months.map(function (m) { return wan(m.paid); }), itemStyle: { color: "#c0392b" } }
    ],
    animation: false
  });
  holder.setAttribute("data-rendered", "true");
  window.addEventListener("resize", function () { chart.resize(); });
})();

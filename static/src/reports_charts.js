/* Dashboards: draw each chart from the json_script data next to its canvas.
 * The table beside every chart holds the same figures; a value the table
 * shows as text ("< 5" on the anonymised dashboard) is a gap in the chart,
 * and the tooltip repeats the table's text. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var palette = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997", "#6c757d"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-report-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var line = spec.type === "line";
    var datasets = spec.datasets.map(function (set, index) {
      var color = palette[index % palette.length];
      return {
        label: set.label,
        data: set.data,
        text: set.text,
        borderColor: color,
        backgroundColor: line ? color : color + "cc",
        borderWidth: line ? 2 : 1,
        spanGaps: false,
        tension: 0.2
      };
    });
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? false : undefined,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: spec.stacked },
          y: { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0 } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var text = context.dataset.text[context.dataIndex];
                return context.dataset.label + ": " + text + (spec.unit ? " " + spec.unit : "");
              }
            }
          }
        }
      }
    });
  }

  function init() {
    document.querySelectorAll("canvas[data-report-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

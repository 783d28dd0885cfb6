// Charts of a survey's results page. The figures come from a json_script
// block (no inline script under our CSP); each chart has a table with the
// same numbers next to it for screen readers and printing.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("survey-charts-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const names = document.getElementById("survey-chart-labels");
  const charts = JSON.parse(source.textContent);
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  charts.forEach((chart) => {
    const canvas = document.querySelector(`canvas[data-survey-chart="${chart.id}"]`);
    if (!canvas) {
      return;
    }
    const datasets = [
      { label: names ? names.dataset.this : "", data: chart.values, backgroundColor: "#0d6efd" },
    ];
    if (chart.benchmark) {
      datasets.push({
        label: names ? names.dataset.other : "",
        data: chart.benchmark,
        backgroundColor: "#adb5bd",
      });
    }
    // Long option labels read better on horizontal bars.
    const horizontal = chart.kind !== "scale";
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: reduceMotion ? false : undefined,
        scales: {
          [horizontal ? "x" : "y"]: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } },
        },
        plugins: { legend: { display: Boolean(chart.benchmark) } },
      },
    });
  });
});

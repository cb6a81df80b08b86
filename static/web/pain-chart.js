/* Pain chart (NPRS before/after each session) drawn with the vendored Chart.js. */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("pain-chart");
    var source = document.getElementById("pain-data");
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var datasets = [
      { label: "Before session", data: data.before, borderColor: "#b45309", backgroundColor: "#b45309",
        pointRadius: 4, cubicInterpolationMode: "monotone", spanGaps: true },
      { label: "After session", data: data.after, borderColor: "#0f766e", backgroundColor: "#0f766e",
        pointRadius: 4, cubicInterpolationMode: "monotone", spanGaps: true }
    ];
    if (data.threshold !== null) {
      datasets.push({
        label: "MCID: 2 points below " + data.reference, data: data.labels.map(function () { return data.threshold; }),
        borderColor: "#6d28d9", borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0, fill: false
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { min: 0, max: 10, ticks: { stepSize: 1 }, title: { display: true, text: "NPRS" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();

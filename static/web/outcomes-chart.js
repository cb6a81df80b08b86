/* Cumulative share of courses reaching the MCID by session 1…10 (outcome report), vendored Chart.js. */
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("responders-chart");
    var source = document.getElementById("responders-data");
    if (!canvas || !source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: [{ label: "Courses reaching the MCID (%)", data: data.rates,
        borderColor: "#0f766e", backgroundColor: "#0f766e", stepped: true, pointRadius: 4 }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { min: 0, max: 100, title: { display: true, text: "% of courses" } },
                  x: { title: { display: true, text: "By session" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());

// Draws each chart of a report page from the figure its element carries (services/reporting/charts.py),
// so the page needs no inline script.
document.querySelectorAll("[data-plotly]").forEach(function (element) {
  var figure = JSON.parse(element.dataset.plotly);
  Plotly.newPlot(element, figure.data, figure.layout, figure.config);
});

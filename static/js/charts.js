/* Draws every chart the page embeds: <script type="application/json" data-chart="ID"> holds
   the figure built in indicators/charts.py; plotly.js (served by us) must load first. */
(function () {
  "use strict";
  var nodes = document.querySelectorAll("script[data-chart]");
  for (var i = 0; i < nodes.length; i++) {
    var figure = JSON.parse(nodes[i].textContent);
    window.Plotly.newPlot(nodes[i].getAttribute("data-chart"), figure.data, figure.layout, figure.config);
  }
})();

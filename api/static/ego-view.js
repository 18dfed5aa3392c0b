// Draws the ego network from the JSON block on the page (no inline script,
// so the page runs under a strict Content-Security-Policy).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var container = document.getElementById("graph");
  var network = new vis.Network(
    container,
    { nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges) },
    data.options
  );
  // Freeze the layout once it has settled: large views stay responsive.
  network.once("stabilizationIterationsDone", function () {
    network.setOptions({ physics: false });
    document.body.setAttribute("data-stabilized", "true");
  });
})();

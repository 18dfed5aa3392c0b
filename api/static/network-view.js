// The network view (api/templates/_network_view.html): draws the nodes and
// edges of the JSON block with vis-network at the positions the server
// computed (physics off), and on a click on a partner fetches its own
// partners (GET /firms/{id}/view/expand?via=…) and adds them; a second
// click hides them again. No inline script: the page runs under a
// Content-Security-Policy with script-src 'self'. Names only ever reach
// vis-network as label and title strings, which it draws as text.
(function () {
  "use strict";
  var container = document.getElementById("network");
  if (!container || typeof vis === "undefined") {
    return;
  }
  var graph = JSON.parse(document.getElementById("network-data").textContent);
  var strings = JSON.parse(document.getElementById("network-strings").textContent);
  var status = document.getElementById("network-status");
  var nodes = new vis.DataSet(graph.nodes);
  var edges = new vis.DataSet(graph.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, graph.options);
  var expanded = {}; // partner node id -> {nodes: [ids], edges: [ids]}
  var pending = {};

  function say(text) {
    if (status) {
      status.textContent = text || "";
    }
  }

  function count() {
    container.setAttribute("data-nodes", String(nodes.length));
    container.setAttribute("data-edges", String(edges.length));
  }

  network.on("afterDrawing", function () {
    count();
    container.setAttribute("data-drawn", "true");
  });

  function summaryOf(partnerId) {
    return nodes.get("s" + partnerId);
  }

  function collapse(partnerId) {
    var shown = expanded[partnerId];
    edges.remove(shown.edges);
    nodes.remove(shown.nodes);
    delete expanded[partnerId];
    var summary = summaryOf(partnerId);
    if (summary) {
      nodes.update({ id: summary.id, hidden: false });
    }
    container.setAttribute("data-expanded", String(Object.keys(expanded).length));
    say("");
  }

  function expand(partner) {
    if (pending[partner.id] || expanded[partner.id]) {
      return Promise.resolve();
    }
    pending[partner.id] = true;
    say(strings.loading);
    var params = new URLSearchParams({ via: partner.ref });
    ["from", "to", "lang"].forEach(function (name) {
      var value = container.getAttribute("data-" + name);
      if (value) {
        params.set(name, value);
      }
    });
    return fetch(container.getAttribute("data-expand-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (r) {
        if (!r.ok) {
          throw new Error("HTTP " + r.status);
        }
        return r.json();
      })
      .then(function (data) {
        var newNodes = data.nodes.filter(function (n) { return !nodes.get(n.id); });
        var newEdges = data.edges.filter(function (e) { return !edges.get(e.id); });
        nodes.add(newNodes);
        edges.add(newEdges);
        expanded[partner.id] = {
          nodes: newNodes.map(function (n) { return n.id; }),
          edges: newEdges.map(function (e) { return e.id; })
        };
        var summary = summaryOf(partner.id);
        if (summary && newNodes.length) {
          nodes.update({ id: summary.id, hidden: true });
        }
        container.setAttribute("data-expanded", String(Object.keys(expanded).length));
        if (newNodes.length) {
          network.fit({ animation: false }); // the new firms lie beyond the ring: keep them in view
        }
        say(strings.hide);
      })
      .catch(function () {
        say(strings.failed);
      })
      .then(function () {
        delete pending[partner.id];
        count();
      });
  }

  network.on("click", function (params) {
    if (!params.nodes.length) {
      return;
    }
    var node = nodes.get(params.nodes[0]);
    if (!node) {
      return;
    }
    var partner = null;
    if (node.kind === "partner") {
      partner = node;
    } else if (node.kind === "summary") {
      partner = nodes.get(node.via);
    }
    if (!partner) {
      return;
    }
    if (expanded[partner.id]) {
      collapse(partner.id);
    } else {
      expand(partner);
    }
  });

  count();
  // For tests and the console: the network, its data and the expansion (a promise).
  window.torihikiView = { network: network, nodes: nodes, edges: edges, expand: expand, collapse: collapse };
})();

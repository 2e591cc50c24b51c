/// The dashboard page, its script and its style, served from the binary (no build step, no
/// CDN). The script draws with DOM calls and `textContent` only, never markup from data, so a
/// node id or model name cannot become script; the page's Content-Security-Policy admits no
/// inline script either.
enum DashboardAssets {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>EdgeInfer dashboard</title>
    <link rel="stylesheet" href="dashboard.css">
    <script src="dashboard.js" defer></script>
    </head>
    <body>
    <header>
      <h1>EdgeInfer</h1>
      <span id="router">router</span>
      <span id="status" data-state="connecting">connecting…</span>
    </header>
    <form id="login" hidden>
      <label for="key">This router requires an admin API key to show its cluster.</label>
      <input id="key" type="password" autocomplete="off" placeholder="edge_…">
      <button type="submit">Show</button>
      <p id="login-error" role="alert"></p>
    </form>
    <main id="main">
      <section id="map-panel">
        <svg id="map" viewBox="0 0 360 180" role="img" aria-label="World map of routers, nodes and the last minute's routes">
          <rect class="sea" x="0" y="0" width="360" height="180"></rect>
          <path id="land" class="land"></path>
          <g id="routes"></g>
          <g id="clients"></g>
          <g id="nodes"></g>
          <g id="routers"></g>
        </svg>
        <p class="legend"><span class="dot healthy"></span> healthy node <span class="dot unhealthy"></span> unhealthy node
          <span class="square"></span> router <span class="dot client"></span> client · size: load · lines: routes in the last minute</p>
      </section>
      <section id="table-panel">
        <h2>Nodes</h2>
        <table id="nodes-table">
          <thead><tr><th>node</th><th>region</th><th>health</th><th>queue</th><th>in flight</th><th>req/min</th><th>p50</th><th>p99</th><th>models</th></tr></thead>
          <tbody></tbody>
        </table>
        <h2>Credentials (last minute)</h2>
        <table id="credentials-table">
          <thead><tr><th>credential</th><th>requests</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </main>
    </body>
    </html>
    """#

  static let style = #"""
    :root { color-scheme: dark; --bg: #0f1419; --panel: #161d25; --text: #d7dde4; --muted: #7d8a97;
      --good: #3fb950; --bad: #f85149; --route: #58a6ff; --land: #2a3541; --sea: #0b1016; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--text); }
    header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1.2em; background: var(--panel); }
    h1 { font-size: 1.2em; margin: 0; }
    h2 { font-size: 1em; margin: 1em 0 .4em; color: var(--muted); font-weight: 600; }
    #status[data-state="live"] { color: var(--good); }
    #status[data-state="stale"], #status[data-state="refused"] { color: var(--bad); }
    form#login { padding: 2em 1.2em; display: flex; gap: .6em; flex-wrap: wrap; align-items: center; }
    form#login[hidden] { display: none; }
    form#login p { width: 100%; color: var(--bad); }
    input, button { font: inherit; padding: .3em .6em; }
    main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(22em, 2fr); gap: 1em; padding: 1em; }
    main[hidden] { display: none; }
    #map { width: 100%; height: auto; display: block; border-radius: 6px; }
    .sea { fill: var(--sea); }
    .land { fill: var(--land); stroke: #3a4756; stroke-width: .15; }
    .route { stroke: var(--route); stroke-opacity: .55; fill: none; stroke-linecap: round; }
    .client { fill: var(--route); }
    .node { stroke: #0b1016; stroke-width: .3; }
    .node[data-health="healthy"] { fill: var(--good); }
    .node[data-health="unhealthy"] { fill: var(--bad); }
    .router { fill: #e3b341; stroke: #0b1016; stroke-width: .3; }
    .legend { color: var(--muted); font-size: .85em; }
    .dot, .square { display: inline-block; width: .8em; height: .8em; border-radius: 50%; vertical-align: middle; margin-left: .8em; }
    .square { border-radius: 0; background: #e3b341; }
    .dot.healthy { background: var(--good); } .dot.unhealthy { background: var(--bad); } .dot.client { background: var(--route); }
    table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid #232d38; }
    th { color: var(--muted); font-weight: 500; }
    tr[data-health="unhealthy"] td:nth-child(3) { color: var(--bad); font-weight: 600; }
    tr[data-health="healthy"] td:nth-child(3) { color: var(--good); }
    @media (max-width: 900px) { main { grid-template-columns: 1fr; } }
    """#

  static let script =
    #"""
    "use strict";
    // The operator dashboard: reads the router's state as server-sent events (over fetch, so the
    // admin key travels in a header, not the URL) and draws it. Everything is drawn with DOM calls
    // and textContent: names from the cluster are never parsed as markup.
    const WORLD = "\#(WorldOutline.svgPath)";
    const SVG = "http://www.w3.org/2000/svg";
    const STALE_AFTER_MS = 3000;
    let key = sessionStorage.getItem("edgeinfer-dashboard-key") || "";
    let lastEvent = 0;

    const $ = (id) => document.getElementById(id);
    const project = (latitude, longitude) => [longitude + 180, 90 - latitude];

    function element(tag, attributes, text) {
      const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
      for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
      if (text !== undefined) node.textContent = String(text);
      return node;
    }

    function setStatus(state, text) {
      $("status").dataset.state = state;
      $("status").textContent = text;
    }

    function milliseconds(value) {
      return value === null || value === undefined ? "–" : value < 10 ? value.toFixed(2) + " ms" : value.toFixed(1) + " ms";
    }

    function render(state) {
      lastEvent = Date.now();
      setStatus("live", "live · " + new Date(state.time).toLocaleTimeString());
      $("router").textContent = "router " + state.router.id + (state.router.region ? " (" + state.router.region + ")" : "")
        + " · " + state.router.in_rotation + " of " + state.nodes.length + " nodes in rotation" + (state.router.panic ? " · PANIC" : "");
      const nodesByID = new Map(state.nodes.map((node) => [node.id, node]));
      const [routerX, routerY] = project(state.router.latitude, state.router.longitude);

      const routes = $("routes"), clients = $("clients");
      routes.replaceChildren();
      clients.replaceChildren();
      const heaviest = Math.max(1, ...state.routes.map((route) => route.count));
      for (const route of state.routes) {
        const node = nodesByID.get(route.node);
        if (!node) continue;
        const [x1, y1] = route.from ? project(route.from[0], route.from[1]) : [routerX, routerY];
        const [x2, y2] = project(node.latitude, node.longitude);
        const width = 0.25 + 1.25 * Math.log1p(route.count) / Math.log1p(heaviest);
        const line = element("svg:line", { class: "route", x1, y1, x2, y2, "stroke-width": width.toFixed(2), "data-route": route.node });
        line.appendChild(element("svg:title", {}, route.count + " requests to " + route.node + " (" + route.credential + ")"));
        routes.appendChild(line);
        if (route.from) clients.appendChild(element("svg:circle", { class: "client", cx: x1, cy: y1, r: 0.9 }));
      }

      const nodes = $("nodes");
      nodes.replaceChildren();
      for (const node of state.nodes) {
        const [cx, cy] = project(node.latitude, node.longitude);
        // Sized by load: in flight over capacity, or queue when it has no capacity set.
        const load = node.capacity > 0 ? Math.min(1, node.in_flight / node.capacity) : Math.min(1, node.queue / 32);
        const circle = element("svg:circle", {
          class: "node", cx, cy, r: (1.8 + 3.2 * load).toFixed(2),
          "data-node": node.id, "data-health": node.healthy ? "healthy" : "unhealthy",
        });
        circle.appendChild(element("svg:title", {}, node.id + " · " + node.region + " · " + (node.healthy ? "healthy" : "unhealthy")
          + " · queue " + node.queue + " · in flight " + node.in_flight + " · p99 " + milliseconds(node.p99_ms)));
        nodes.appendChild(circle);
      }
      const router = element("svg:rect", { class: "router", x: routerX - 1.6, y: routerY - 1.6, width: 3.2, height: 3.2, "data-router": state.router.id });
      router.appendChild(element("svg:title", {}, "router " + state.router.id));
      $("routers").replaceChildren(router);

      const rows = state.nodes.map((node) => {
        const row = element("tr", { "data-node": node.id, "data-health": node.healthy ? "healthy" : "unhealthy" });
        const models = node.models.map((model) => model.name + ":" + model.version + (model.ready ? "" : " (not ready)")).join(", ");
        for (const cell of [node.id, node.region, node.healthy ? "healthy" : "unhealthy", node.queue, node.in_flight + " / " + node.capacity,
          node.requests, milliseconds(node.p50_ms), milliseconds(node.p99_ms), models]) {
          row.appendChild(element("td", {}, cell));
        }
        return row;
      });
      $("nodes-table").tBodies[0].replaceChildren(...rows);

      $("credentials-table").tBodies[0].replaceChildren(...state.credentials.map((credential) => {
        const row = element("tr");
        row.appendChild(element("td", {}, credential.name));
        row.appendChild(element("td", {}, credential.requests));
        return row;
      }));
    }

    function askForKey(message) {
      setStatus("refused", "admin key needed");
      $("main").hidden = true;
      $("login").hidden = false;
      $("login-error").textContent = message || "";
      $("key").focus();
    }

    // One event stream after another (each lasts minutes); a refusal asks for the key.
    async function follow() {
      for (;;) {
        try {
          const headers = key ? { Authorization: "Bearer " + key } : {};
          const response = await fetch("api/events", { headers, cache: "no-store" });
          if (response.status === 401 || response.status === 403) {
            const body = await response.json().catch(() => ({}));
            askForKey(key ? body.error : "");
            return;
          }
          if (!response.ok) throw new Error("HTTP " + response.status);
          $("login").hidden = true;
          $("login-error").textContent = "";
          $("main").hidden = false;
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = event.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
              if (data) render(JSON.parse(data));
            }
          }
        } catch (error) {
          setStatus("stale", "disconnected: " + error.message);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }

    document.addEventListener("DOMContentLoaded", () => {
      $("land").setAttribute("d", WORLD);
      $("login").addEventListener("submit", (event) => {
        event.preventDefault();
        key = $("key").value.trim();
        sessionStorage.setItem("edgeinfer-dashboard-key", key);
        follow();
      });
      setInterval(() => {
        if (lastEvent && Date.now() - lastEvent > STALE_AFTER_MS) setStatus("stale", "no news from the router for " + Math.round((Date.now() - lastEvent) / 1000) + " s");
      }, 1000);
      follow();
    });
    """#
}

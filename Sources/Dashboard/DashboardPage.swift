/// The page `kplab serve` serves: one HTML file, its script and its style, all written here
/// (no CDN, nothing fetched from elsewhere). The script reads `/api/…`, draws the charts as
/// SVG itself and listens on `/live` for new epochs and runs.
enum DashboardPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>KeypointLab</title>
    <link rel="stylesheet" href="/app.css">
    <script src="/app.js" defer></script>
    </head>
    <body>
    <header>
      <h1>KeypointLab</h1>
      <nav><a href="#runs" id="tab-runs">Runs</a> <a href="#sweeps" id="tab-sweeps">Sweeps</a></nav>
      <span id="live" class="off" title="new epochs appear as they are written">connecting…</span>
    </header>
    <main>
      <section id="runs-view">
        <div class="controls">
          <label>filter <input id="filter" type="search" placeholder="text in any column, or key=value"></label>
          <label>status <select id="status-filter">
            <option value="">any</option><option value="completed">completed</option><option value="running">running</option>
            <option value="collapsed">collapsed</option><option value="mean face">no better than the mean face</option>
            <option value="stopped">interrupted or stopped</option><option value="failed">failed or diverged</option>
          </select></label>
          <label>group by <select id="group-by"><option value="">nothing</option></select></label>
          <label>and <select id="group-by-2"><option value="">nothing</option></select></label>
          <label>chart <select id="measure">
            <option value="val_rmse_px">validation RMSE (px)</option><option value="train_loss">training loss</option>
            <option value="val_loss">validation loss</option>
          </select></label>
          <span id="summary"></span>
        </div>
        <p id="data-note" class="note" hidden></p>
        <div id="chart-box"><svg id="chart" width="900" height="340"></svg><div id="legend"></div></div>
        <table id="runs"><thead></thead><tbody></tbody></table>
      </section>
      <section id="sweeps-view" hidden></section>
      <section id="run-view" hidden></section>
    </main>
    </body>
    </html>
    """#

    static let style = #"""
    body { font: 13px/1.4 Helvetica, Arial, sans-serif; margin: 0; color: #222; }
    header { display: flex; gap: 18px; align-items: baseline; padding: 8px 16px; background: #f4f4f4; border-bottom: 1px solid #ddd; }
    header h1 { font-size: 16px; margin: 0; }
    nav a { margin-right: 10px; }
    #live.on { color: #2ca02c; } #live.off { color: #d62728; }
    main { padding: 8px 16px; }
    .controls { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin-bottom: 6px; }
    .note { color: #8c564b; }
    #chart-box, .chart-box { display: flex; gap: 12px; align-items: flex-start; }
    #legend, #run-legend { max-height: 340px; overflow: auto; font-size: 12px; }
    #legend div, #run-legend div { white-space: nowrap; }
    table { border-collapse: collapse; margin-top: 8px; }
    th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
    th { cursor: pointer; background: #fafafa; position: sticky; top: 0; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    tr.bad td { color: #a33; }
    tr.running td:first-child::after { content: " ●"; color: #2ca02c; }
    .axis { stroke: #999; } .grid { stroke: #eee; } .meanface { stroke: #555; stroke-dasharray: 5 4; }
    svg text { font-size: 11px; fill: #444; }
    .bar { border: 1px solid #ccc; background: #eee; }
    .state-done { color: #2ca02c; } .state-running { color: #1f77b4; } .state-pending { color: #888; }
    .state-interrupted { color: #ff7f0e; } .state-failed { color: #d62728; }
    pre { background: #f8f8f8; padding: 8px; overflow: auto; max-height: 420px; }
    .pictures img { max-width: 100%; border: 1px solid #ddd; margin: 6px 0; }
    """#

    static let script = #"""
    "use strict";
    const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
                     "#bcbd22", "#000075", "#800000", "#469990", "#f032e6", "#808000", "#e6a800", "#4b0082", "#b15928"];
    const state = { columns: [], runs: [], meanFace: null, sort: null, descending: false, selected: new Set(),
                    curves: new Map(), chosenByUser: false };
    const $ = (id) => document.getElementById(id);
    const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
    const getJSON = async (url) => { const r = await fetch(url); if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); };

    // ---- The runs table ----------------------------------------------------------------
    async function loadRuns() {
      const table = await getJSON("/api/runs");
      state.columns = table.columns; state.runs = table.runs; state.meanFace = table.mean_face;
      $("data-note").hidden = !table.data_note; $("data-note").textContent = table.data_note || "";
      for (const group of [$("group-by"), $("group-by-2")]) {
        const current = group.value;
        group.innerHTML = '<option value="">nothing</option>' + state.columns.map((c, i) => c.parameter ? `<option value="${i}">${esc(c.title)}</option>` : "").join("");
        group.value = [...group.options].some((o) => o.value === current) ? current : "";
      }
      if (!state.chosenByUser) {
        // The five best runs are drawn until the user picks.
        state.selected = new Set(state.runs.filter((r) => r.best !== null).slice(0, 5).map((r) => r.id));
      }
      render();
    }

    function matches(run) {
      const wanted = $("status-filter").value;
      if (wanted) {
        const status = run.status;
        if (wanted === "running" && !run.running) return false;
        if (wanted === "stopped" && !/interrupted|stopped/.test(status)) return false;
        if (wanted === "failed" && !/failed|diverged/.test(status)) return false;
        if (!["running", "stopped", "failed"].includes(wanted) && !status.includes(wanted)) return false;
      }
      const terms = $("filter").value.trim().toLowerCase().split(/\s+/).filter((t) => t);
      return terms.every((term) => {
        const eq = term.indexOf("=");
        if (eq > 0) {
          const key = term.slice(0, eq), value = term.slice(eq + 1);
          const index = state.columns.findIndex((c) => c.key.toLowerCase() === key || c.title.toLowerCase() === key);
          return index >= 0 && run.cells[index].toLowerCase() === value;
        }
        return run.id.toLowerCase().includes(term) || run.cells.some((cell) => cell.toLowerCase().includes(term));
      });
    }

    function sortedRuns(runs) {
      if (state.sort === null) return runs;
      const i = state.sort, sign = state.descending ? -1 : 1;
      return [...runs].sort((a, b) => {
        const x = a.values[i] ?? a.cells[i], y = b.values[i] ?? b.cells[i];
        if (x === y) return 0;
        if (x === "-" || x === null) return 1;
        if (y === "-" || y === null) return -1;
        return (x < y ? -1 : 1) * sign;
      });
    }

    /// The columns grouped by (one or two, as `compare --group-by a,b`), as indices.
    function groupColumns() {
      return [...new Set([$("group-by").value, $("group-by-2").value].filter((v) => v !== "").map(Number))];
    }

    function groups(runs) {
      const by = groupColumns();
      if (!by.length) return null;
      const map = new Map();
      for (const run of runs) {
        const values = by.map((i) => run.cells[i]);
        const key = JSON.stringify(values);
        if (!map.has(key)) map.set(key, { values, members: [] });
        map.get(key).members.push(run);
      }
      return [...map.values()].map(({ values, members }) => ({ id: "group:" + values.join("/"), values, key: values.join(", "), members }));
    }

    function stats(values) {
      const finite = values.filter((v) => v !== null && Number.isFinite(v));
      if (!finite.length) return null;
      const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
      const sd = finite.length > 1 ? Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1)) : null;
      return { mean, sd, n: finite.length };
    }

    function render() {
      const runs = sortedRuns(state.runs.filter(matches));
      const grouped = groups(runs);
      const head = $("runs").tHead, body = $("runs").tBodies[0];
      $("summary").textContent = `${runs.length} of ${state.runs.length} runs`;
      if (grouped) {
        const by = groupColumns().map((i) => `<th>${esc(state.columns[i].title)}</th>`).join("");
        head.innerHTML = `<tr><th></th>${by}<th>n</th><th>best RMSE px (mean ± std)</th><th>statuses</th></tr>`;
        const drawn = grouped.some((g) => state.selected.has(g.id)) ? (g) => state.selected.has(g.id) : (g, i) => i < 8;
        body.innerHTML = grouped.map((g, i) => {
          const s = stats(g.members.map((r) => r.best));
          const statuses = Object.entries(g.members.reduce((m, r) => (m[r.status] = (m[r.status] || 0) + 1, m), {}))
            .map(([k, v]) => `${v} ${k}`).join(", ");
          return `<tr data-id="${esc(g.id)}"><td><input type="checkbox" ${drawn(g, i) ? "checked" : ""}></td>`
            + g.values.map((v) => `<td>${esc(v)}</td>`).join("") + `<td class="num">${g.members.length}</td>`
            + `<td class="num">${s ? s.mean.toFixed(3) + (s.sd !== null ? " ± " + s.sd.toFixed(3) : "") : "-"}</td><td>${esc(statuses)}</td></tr>`;
        }).join("");
      } else {
        head.innerHTML = "<tr><th></th>" + state.columns.map((c, i) =>
          `<th data-column="${i}">${esc(c.title)}${state.sort === i ? (state.descending ? " ▼" : " ▲") : ""}</th>`).join("") + "</tr>";
        body.innerHTML = runs.map((run) => {
          const bad = /collapsed|mean face|failed|diverged/.test(run.status);
          return `<tr data-id="${esc(run.id)}" class="${bad ? "bad" : ""} ${run.running ? "running" : ""}">`
            + `<td><input type="checkbox" ${state.selected.has(run.id) ? "checked" : ""}></td>`
            + run.cells.map((cell, i) => i === 0 ? `<td><a href="#run=${encodeURIComponent(run.id)}">${esc(cell)}</a></td>`
              : `<td class="${state.columns[i].numeric ? "num" : ""}">${esc(cell)}</td>`).join("") + "</tr>";
        }).join("");
      }
      drawChart(runs, grouped);
    }

    // ---- Curves --------------------------------------------------------------------------
    async function curve(id) {
      if (!state.curves.has(id)) {
        state.curves.set(id, getJSON("/api/curve?id=" + encodeURIComponent(id)).then((c) => c.rows).catch(() => []));
      }
      return state.curves.get(id);
    }

    let drawing = 0;
    async function drawChart(runs, grouped) {
      const ticket = ++drawing;
      const measure = $("measure").value;
      const series = [];
      if (grouped) {
        // Until groups are picked, the first eight are drawn.
        const picked = grouped.filter((g) => state.selected.has(g.id));
        for (const g of picked.length ? picked : grouped.slice(0, 8)) {
          const members = await Promise.all(g.members.map((r) => curve(r.id)));
          const epochs = Math.max(0, ...members.map((rows) => rows.length ? rows[rows.length - 1].epoch : 0));
          const points = [];
          for (let e = 1; e <= epochs; e++) {
            const s = stats(members.map((rows) => (rows.find((row) => row.epoch === e) || {})[measure] ?? null));
            if (s) points.push({ epoch: e, value: s.mean, low: s.sd !== null ? s.mean - s.sd : null, high: s.sd !== null ? s.mean + s.sd : null });
          }
          series.push({ id: g.id, label: `${g.key} (n=${g.members.length}, mean ± 1 std)`, points });
        }
      } else {
        for (const run of runs.filter((r) => state.selected.has(r.id))) {
          const rows = await curve(run.id);
          series.push({ id: run.id, label: run.id, points: rows.filter((r) => r[measure] !== null).map((r) => ({ epoch: r.epoch, value: r[measure] })) });
        }
      }
      if (ticket !== drawing) return;  // a newer drawing started while this one waited
      plot($("chart"), $("legend"), series, measure === "val_rmse_px" ? state.meanFace : null, $("measure").selectedOptions[0].textContent);
    }

    function ticks(low, high, count) {
      const span = high - low || Math.abs(high) || 1, step0 = span / count, magnitude = 10 ** Math.floor(Math.log10(step0));
      const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= step0);
      const out = [];
      for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
      return out;
    }

    // Inline SVG, not styled spans: the page's content security policy allows no inline styles.
    function swatch(colour, dashed) {
      return `<svg width="18" height="8"><line x1="0" x2="18" y1="4" y2="4" stroke="${colour}" stroke-width="3"${dashed ? ' stroke-dasharray="4 3"' : ""}/></svg> `;
    }

    function plot(svg, legend, series, meanFace, measureName) {
      const width = 900, height = 340, left = 60, right = 12, top = 12, bottom = 36;
      const all = series.flatMap((s) => s.points.flatMap((p) => [p.value, p.low, p.high])).filter((v) => v !== null && v !== undefined);
      if (meanFace !== null) all.push(meanFace);
      const epochs = series.flatMap((s) => s.points.map((p) => p.epoch));
      if (!all.length || !epochs.length) {
        svg.innerHTML = `<text x="${left}" y="40">select runs in the table to draw their curves</text>`;
        legend.innerHTML = "";
        return;
      }
      let low = Math.min(...all), high = Math.max(...all);
      if (low === high) { low -= 0.5; high += 0.5; }
      const pad = (high - low) * 0.05; low -= pad; high += pad;
      const firstEpoch = Math.min(...epochs), lastEpoch = Math.max(firstEpoch + 1, ...epochs);
      const x = (e) => left + (e - firstEpoch) / (lastEpoch - firstEpoch) * (width - left - right);
      const y = (v) => top + (high - v) / (high - low) * (height - top - bottom);
      let out = "";
      for (const t of ticks(low, high, 6)) out += `<line class="grid" x1="${left}" x2="${width - right}" y1="${y(t)}" y2="${y(t)}"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`;
      for (const t of ticks(firstEpoch, lastEpoch, 10).filter((t) => Number.isInteger(t))) out += `<text x="${x(t)}" y="${height - bottom + 16}" text-anchor="middle">${t}</text>`;
      out += `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}"/><line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`;
      out += `<text x="${(left + width) / 2}" y="${height - 4}" text-anchor="middle">epoch</text>`;
      out += `<text transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(measureName)}</text>`;
      if (meanFace !== null) out += `<line class="meanface" x1="${left}" x2="${width - right}" y1="${y(meanFace)}" y2="${y(meanFace)}"><title>mean face ${meanFace.toFixed(3)} px</title></line>`;
      series.forEach((s, i) => {
        const colour = palette[i % palette.length];
        const band = s.points.filter((p) => p.low !== null && p.low !== undefined);
        if (band.length > 1) {
          const upper = band.map((p) => `${x(p.epoch)},${y(p.high)}`), lower = band.slice().reverse().map((p) => `${x(p.epoch)},${y(p.low)}`);
          out += `<polygon class="band" points="${upper.concat(lower).join(" ")}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`;
        }
        const d = s.points.map((p, k) => `${k ? "L" : "M"}${x(p.epoch).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
        out += `<path class="series" data-id="${esc(s.id)}" data-points="${s.points.length}" d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"><title>${esc(s.label)}</title></path>`;
      });
      svg.innerHTML = out;
      legend.innerHTML = series.map((s, i) => `<div>${swatch(palette[i % palette.length])}${esc(s.label)}</div>`).join("")
        + (meanFace !== null ? `<div>${swatch("#555", true)}mean face ${meanFace.toFixed(3)} px</div>` : "");
    }

    // ---- A run's page ---------------------------------------------------------------------
    async function showRun(id) {
      const view = $("run-view");
      let run;
      try { run = await getJSON("/api/run?id=" + encodeURIComponent(id)); } catch (e) { view.innerHTML = `<p>${esc(e.message)}</p>`; return; }
      const keypoints = run.keypoints.map((k) => `<tr><td>${esc(k.keypoint)}</td><td class="num">${k.rmse_px === null ? "-" : k.rmse_px.toFixed(3)}</td><td class="num">${k.count}</td></tr>`).join("");
      view.innerHTML = `<p><a href="#runs">← all runs</a></p><h2>${esc(run.run_id)}</h2>`
        + `<p>${esc(run.status)}${run.detail ? ": " + esc(run.detail) : ""} · best ${run.best === null ? "-" : run.best.toFixed(3) + " px"}`
        + ` at epoch ${run.best_epoch ?? "-"} of ${run.epochs} · mean face ${run.mean_face === null ? "-" : run.mean_face.toFixed(3) + " px"}`
        + ` · seed ${run.seed} · ${esc(run.machine)}</p>`
        + `<div class="chart-box"><svg id="run-chart" width="900" height="340"></svg><div id="run-legend"></div></div>`
        + (run.diagnosis ? `<h3>Diagnosis</h3><pre>${esc(run.diagnosis)}</pre>` : "")
        + (keypoints ? `<h3>RMSE per keypoint (best epoch)</h3><table><tr><th>keypoint</th><th>px</th><th>faces</th></tr>${keypoints}</table>` : "")
        + `<div class="pictures"><h3>Validation faces, best weights</h3><img alt="validation faces" src="/api/faces.png?id=${encodeURIComponent(id)}">`
        + (run.diagnostics ? `<h3>Diagnostics</h3><img alt="diagnostics" src="/api/diagnostics.svg?id=${encodeURIComponent(id)}">` : "") + `</div>`
        + `<h3>Configuration</h3><pre>${esc(run.config || "")}</pre>`;
      openRun = { id, meanFace: run.mean_face };
      drawRunCurve();
    }

    /// The open run's page, redrawn alone when its epochs arrive (the rest of the page, its
    /// faces above all, is drawn once: each drawing of them runs the net on the faces).
    let openRun = null;
    async function drawRunCurve() {
      const { id, meanFace } = openRun;
      const rows = await curve(id);
      if (!$("run-chart")) return;
      plot($("run-chart"), $("run-legend"), [{ id, label: id, points: rows.filter((r) => r.val_rmse_px !== null)
        .map((r) => ({ epoch: r.epoch, value: r.val_rmse_px })) }], meanFace, "validation RMSE (px)");
    }

    // ---- Sweeps ---------------------------------------------------------------------------
    const stateColours = { done: "#2ca02c", running: "#1f77b4", pending: "#cccccc", interrupted: "#ff7f0e", failed: "#d62728" };
    async function showSweeps() {
      const { sweeps } = await getJSON("/api/sweeps");
      $("sweeps-view").innerHTML = sweeps.length === 0 ? "<p>No sweep recorded in these folders (kplab sweep writes RESULTS/.sweep/NAME.runs.tsv as it starts).</p>"
        : sweeps.map((s) => {
          const total = s.runs.length;
          let at = 0;
          const bar = Object.keys(stateColours).map((k) => {
            const width = 420 * s.counts[k] / Math.max(1, total), x = at;
            at += width;
            return s.counts[k] ? `<rect x="${x}" width="${width}" height="14" fill="${stateColours[k]}"><title>${s.counts[k]} ${k}</title></rect>` : "";
          }).join("");
          const counts = Object.keys(stateColours).map((k) => `${s.counts[k]} ${k}`).join(" · ");
          const rows = s.runs.map((r) => `<tr class="sweep-run"><td>${r.id ? `<a href="#run=${encodeURIComponent(r.id)}">${esc(r.run_id)}</a>` : esc(r.run_id)}</td><td class="state-${r.state}">${r.state}</td><td>${esc(r.settings)}</td></tr>`).join("");
          return `<h2>${esc(s.name)} <small>(${s.kind})</small></h2><svg class="bar" width="420" height="14">${bar}</svg><p class="counts">${counts}</p><table>${rows}</table>`;
        }).join("");
    }

    // ---- Navigation and live updates ------------------------------------------------------
    function route() {
      const hash = decodeURIComponent(location.hash.slice(1));
      $("runs-view").hidden = hash !== "" && hash !== "runs";
      $("sweeps-view").hidden = hash !== "sweeps";
      $("run-view").hidden = !hash.startsWith("run=");
      if (hash === "sweeps") showSweeps();
      if (hash.startsWith("run=")) showRun(hash.slice(4));
    }

    let reload = null;
    function soon(action) { clearTimeout(reload); reload = setTimeout(action, 300); }

    function listen() {
      const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live");
      socket.onopen = () => { $("live").textContent = "live"; $("live").className = "on"; };
      socket.onclose = () => { $("live").textContent = "reconnecting…"; $("live").className = "off"; setTimeout(listen, 2000); };
      socket.onmessage = async (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "epochs") {
          const run = state.runs.find((r) => r.id === message.id);
          if (state.curves.has(message.id)) {
            const rows = await state.curves.get(message.id);
            for (const row of message.rows) if (!rows.some((r) => r.epoch === row.epoch)) rows.push(row);
          }
          if (run) {
            run.epochs = message.epochs; run.best = message.best; run.running = message.running;
            const i = state.columns.findIndex((c) => c.key === "epochs_run");
            if (i >= 0) { run.cells[i] = String(message.epochs); run.values[i] = message.epochs; }
            const b = state.columns.findIndex((c) => c.key === "best_val_rmse_px");
            if (b >= 0 && message.best !== null) { run.cells[b] = message.best.toFixed(3); run.values[b] = message.best; }
            const s = state.columns.findIndex((c) => c.key === "status");
            if (s >= 0) { run.cells[s] = message.status; run.status = message.status; }
            render();
          } else {
            soon(loadRuns);
          }
        } else if (message.type === "run" || message.type === "removed") {
          if (message.type === "removed") { state.curves.delete(message.id); state.selected.delete(message.id); }
          soon(loadRuns);
        }
        if (message.type !== "hello" && !$("sweeps-view").hidden) soon(showSweeps);
        const hash = decodeURIComponent(location.hash.slice(1));
        if (message.type === "epochs" && hash === "run=" + message.id && openRun?.id === message.id) drawRunCurve();
      };
    }

    document.addEventListener("DOMContentLoaded", () => {
      for (const id of ["filter", "status-filter", "group-by", "group-by-2", "measure"]) $(id).addEventListener("input", render);
      $("runs").tHead.addEventListener("click", (event) => {
        const th = event.target.closest("th[data-column]");
        if (!th) return;
        const i = Number(th.dataset.column);
        state.descending = state.sort === i ? !state.descending : false;
        state.sort = i;
        render();
      });
      $("runs").tBodies[0].addEventListener("change", (event) => {
        const id = event.target.closest("tr").dataset.id;
        if (id.startsWith("group:") && ![...state.selected].some((s) => s.startsWith("group:"))) {
          // The groups drawn by default become the selection, as their boxes now show it.
          for (const box of $("runs").tBodies[0].querySelectorAll("input:checked")) state.selected.add(box.closest("tr").dataset.id);
        }
        if (event.target.checked) state.selected.add(id); else state.selected.delete(id);
        state.chosenByUser = true;
        render();
      });
      window.addEventListener("hashchange", route);
      loadRuns().then(route);
      listen();
    });
    """#
}

/**
 * The status page's script (plain ES2020, no template literals so it sits in
 * one here): poll `?format=json` every second, update the tables' cells in
 * place (rows keyed by agent and trigger and found through a map, so a poll
 * costs one pass over the document; a cell rewritten only when its text changes), and post the operator actions to the page's own URL.
 */
export const STATUS_PAGE_SCRIPT = String.raw`
"use strict";
(function () {
  var base = location.pathname;
  var offset = 0;
  var doc = null;
  var lastOk = 0;
  function $(id) { return document.getElementById(id); }
  function now() { return Date.now() + offset; }
  function span(n) {
    var s = Math.round(Math.abs(n) / 1000);
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60);
    if (m < 60) return m + " min" + (m < 10 && s % 60 ? " " + (s % 60) + " s" : "");
    var h = Math.floor(m / 60);
    if (h < 48) return h + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
    return Math.floor(h / 24) + " d";
  }
  function rel(iso) {
    var d = Date.parse(iso) - now();
    return d >= 0 ? "in " + span(d) : span(d) + " ago";
  }
  function ms(n) { return n < 1000 ? Math.round(n) + " ms" : span(n); }
  function cell(text, sub, cls) { return { t: text, s: sub || "", c: cls || "" }; }
  function put(td, v) {
    if (typeof v === "string" || typeof v === "number") v = cell(String(v));
    var key = v.t + "\u0000" + v.s + "\u0000" + v.c;
    if (td.dataset.v === key) return;
    td.dataset.v = key;
    td.className = (td.className.indexOf("num") >= 0 ? "num " : "") + v.c;
    td.textContent = v.t;
    if (v.s) { var sub = document.createElement("span"); sub.className = "sub"; sub.textContent = v.s; td.appendChild(sub); }
  }
  var rowIndex = {};
  function row(table, key, fields, nums) {
    var index = rowIndex[table] || (rowIndex[table] = new Map());
    var tr = index.get(key);
    if (!tr) {
      tr = $(table).tBodies[0].insertRow();
      tr.dataset.key = key;
      index.set(key, tr);
      for (var j = 0; j < fields.length; j++) {
        var td = tr.insertCell();
        td.dataset.f = fields[j];
        if (nums.indexOf(fields[j]) >= 0) td.className = "num";
      }
      var act = tr.insertCell();
      act.className = "act";
      act.dataset.f = "actions";
    }
    tr.dataset.seen = "1";
    return tr;
  }
  function sweep(table) {
    var rows = $(table).tBodies[0].rows;
    for (var i = rows.length - 1; i >= 0; i--) {
      if (rows[i].dataset.seen !== "1") {
        if (rowIndex[table]) rowIndex[table].delete(rows[i].dataset.key);
        rows[i].remove();
      } else rows[i].dataset.seen = "";
    }
    return rows.length;
  }
  function f(tr, name) { return tr.querySelector('[data-f="' + name + '"]'); }
  function buttons(td, wanted) {
    var have = Array.prototype.map.call(td.querySelectorAll("button"), function (b) { return b.dataset.action + (b.disabled ? "-" : ""); }).join(",");
    var want = wanted.map(function (w) { return w.action + (w.off ? "-" : ""); }).join(",");
    if (have === want) return;
    td.textContent = "";
    wanted.forEach(function (w) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = w.label;
      b.disabled = !!w.off;
      b.dataset.action = w.action;
      b.dataset.agent = w.agent;
      if (w.trigger) b.dataset.trigger = w.trigger;
      td.appendChild(b);
    });
  }
  function agentRow(a) {
    var tr = row("agents", a.name, ["name", "group", "state", "uptime", "restarts", "crashes", "crash", "backoff", "heartbeat"], ["restarts", "crashes"]);
    put(f(tr, "name"), cell(a.name, a.critical ? "critical" : ""));
    put(f(tr, "group"), a.path.join(" \u203a "));
    var l = a.lease;
    put(f(tr, "state"), l
      ? cell(a.state, (l.here ? "lease held here" : "on " + l.holder) + " · token " + l.token + " · " + span(Math.max(0, Date.parse(l.expiresAt) - now())) + " left", "state s-" + a.state)
      : cell(a.state, "", "state s-" + a.state));
    put(f(tr, "uptime"), a.runningSince ? cell(span(now() - Date.parse(a.runningSince)), a.runningSince) : cell("—"));
    put(f(tr, "restarts"), a.restarts);
    put(f(tr, "crashes"), a.crashes);
    var c = a.lastCrash;
    put(f(tr, "crash"), c ? cell((c.reason || "crash") + " · " + rel(c.at) + (c.message ? " · " + c.message : ""), c.at, "") : cell("—"));
    put(f(tr, "backoff"), a.nextRestartAt ? cell("restart " + rel(a.nextRestartAt), a.nextRestartAt, "warn") : cell("—"));
    var h = a.heartbeat;
    if (h) {
      var age = now() - Date.parse(h.at);
      var late = h.timeoutMs !== undefined && age > h.timeoutMs / 2;
      put(f(tr, "heartbeat"), cell(span(age) + " ago" + (h.timeoutMs !== undefined ? " (timeout " + ms(h.timeoutMs) + ")" : ""), h.at, late ? "warn" : ""));
    } else put(f(tr, "heartbeat"), cell("—"));
    if (doc.actions) buttons(f(tr, "actions"), [
      { label: "restart", action: "restart", agent: a.name },
      a.state === "disabled" ? { label: "enable", action: "enable", agent: a.name } : { label: "disable", action: "disable", agent: a.name }
    ]);
  }
  function local(iso, tz) {
    try {
      return new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: tz, timeZoneName: "short" }).format(new Date(iso));
    } catch (e) { return iso; }
  }
  function triggerRow(a, t) {
    var tr = row("triggers", a.name + "\u0000" + t.name, ["agent", "trigger", "fires", "paused", "last", "local", "utc", "skipped"], []);
    put(f(tr, "agent"), a.name);
    put(f(tr, "trigger"), t.name);
    put(f(tr, "fires"), cell(t.expression, t.kind + (t.timezone ? " · " + t.timezone : "")));
    put(f(tr, "paused"), t.paused ? cell("paused", "", "warn") : cell("active", "", "ok"));
    var r = t.lastRun;
    put(f(tr, "last"), !r ? cell("—") : r.outcome === undefined ? cell("running since " + rel(r.startedAt), r.startedAt, "warn")
      : cell(r.outcome + (r.durationMs !== undefined ? " · " + ms(r.durationMs) : "") + " · " + rel(r.startedAt), r.startedAt, r.outcome === "ok" ? "ok" : "bad"));
    put(f(tr, "local"), t.nextRunAt ? cell(local(t.nextRunAt, t.timezone), rel(t.nextRunAt)) : cell("—"));
    put(f(tr, "utc"), t.nextRunAt ? cell(t.nextRunAt) : cell("—"));
    var skipped = Object.keys(t.skipped).map(function (k) { return k + " " + t.skipped[k]; }).join(", ");
    put(f(tr, "skipped"), skipped || "—");
    if (doc.actions) buttons(f(tr, "actions"), [
      t.paused ? { label: "resume", action: "resume", agent: a.name, trigger: t.name } : { label: "pause", action: "pause", agent: a.name, trigger: t.name },
      { label: "run now", action: "run-now", agent: a.name, trigger: t.name }
    ]);
  }
  function bus(b) {
    var el = $("bus");
    var rates = b && b.rates;
    var items = !b ? [["bus", "keeps no counters"]] : [
      ["published/s", rates ? rates.published : "…"], ["delivered/s", rates ? rates.delivered : "…"], ["dropped/s", rates ? rates.dropped : "…"],
      ["pending", b.pending], ["published", b.published], ["delivered", b.delivered], ["dropped", b.dropped]];
    var text = JSON.stringify(items);
    if (el.dataset.v === text) return;
    el.dataset.v = text;
    el.textContent = "";
    items.forEach(function (it) {
      var d = document.createElement("div");
      var v = document.createElement("b");
      v.textContent = String(it[1]);
      d.appendChild(v);
      d.appendChild(document.createTextNode(it[0]));
      if (it[0] === "dropped/s" && rates && rates.dropped > 0) d.className = "bad";
      el.appendChild(d);
    });
  }
  function render() {
    put($("phase"), cell(doc.phase, "", "badge s-" + (doc.phase === "running" ? "running" : doc.phase === "failed" ? "failed" : "backoff")));
    put($("ready"), doc.ready ? cell("ready", "", "badge ok") : cell("not ready", "", "badge bad"));
    document.body.classList.toggle("readonly", !doc.actions);
    put($("mode"), doc.actions ? cell("Operator actions are on: each one is checked by the host and logged with who acted.", "", "notice")
      : cell("Read-only: operator actions are off. The host turns them on with createOrchestrator({ status: { authorize } }).", "", "notice"));
    doc.agents.forEach(function (a) { agentRow(a); a.triggers.forEach(function (t) { triggerRow(a, t); }); });
    sweep("agents");
    $("triggers").hidden = !($("no-triggers").hidden = sweep("triggers") > 0);
    bus(doc.bus);
    doc.queues.forEach(function (q) {
      var tr = row("queues", q.pattern + "\u0000" + (q.queue || ""), ["pattern", "queue", "pending", "max"], ["pending", "max"]);
      put(f(tr, "pattern"), q.pattern); put(f(tr, "queue"), q.queue || "—"); put(f(tr, "pending"), q.pending); put(f(tr, "max"), q.maxPending);
    });
    $("queues").hidden = !($("no-queues").hidden = sweep("queues") > 0);
  }
  function tick() {
    if (lastOk) put($("updated"), cell("updated " + span(Date.now() - lastOk) + " ago", "", Date.now() - lastOk > 5000 ? "bad" : "muted"));
  }
  function poll() {
    fetch(base + "?format=json", { headers: { accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (d) { offset = Date.parse(d.now) - Date.now(); doc = d; lastOk = Date.now(); render(); tick(); })
      .catch(function (e) { put($("updated"), cell("cannot reach the orchestrator (" + e.message + "), retrying", "", "bad")); })
      .then(function () { setTimeout(poll, 1000); });
  }
  function show(ok, text) {
    var el = $("outcome");
    el.className = "notice " + (ok ? "ok" : "err");
    el.textContent = text;
  }
  document.addEventListener("click", function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest("button[data-action]") : null;
    if (!b) return;
    var p = { action: b.dataset.action, agent: b.dataset.agent };
    if (b.dataset.trigger) p.trigger = b.dataset.trigger;
    var what = p.action + " " + p.agent + (p.trigger ? "/" + p.trigger : "");
    if (p.action === "disable" && !confirm("Disable " + p.agent + "? It stays down until enabled.")) return;
    b.disabled = true;
    fetch(base + "?" + new URLSearchParams(p).toString(), { method: "POST", headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return { ok: false, error: "HTTP " + r.status }; }); })
      .then(function (res) { show(res.ok, res.ok ? what + (res.outcome === "started" ? ": started, still running" : ": done") + " (by " + res.by + ")" : what + ": refused: " + res.error); })
      .catch(function (e) { show(false, what + ": " + e.message); })
      .then(function () { b.disabled = false; });
  });
  setInterval(tick, 1000);
  poll();
})();
`;

import { STATUS_PAGE_SCRIPT } from "./statusPageScript.js";

/** The page's style: plain CSS, light and dark, no web fonts. */
const STYLE = `
:root { color-scheme: light dark; --fg: #1d2125; --muted: #5f6b76; --bg: #ffffff; --panel: #f4f6f8; --line: #d9dee3;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --idle: #6e7781; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8d96a0; --bg: #0d1117; --panel: #161b22; --line: #30363d;
  --ok: #3fb950; --warn: #d29922; --bad: #f85149; --idle: #8b949e; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 32px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; margin-bottom: 8px; }
h1 { font-size: 20px; margin: 0 12px 0 0; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; border: 1px solid currentColor; font-size: 12px; font-weight: 600; }
.muted, .sub { color: var(--muted); }
.sub { display: block; font-size: 11px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.notice { margin: 8px 0; padding: 8px 12px; background: var(--panel); border-left: 3px solid var(--line); }
#outcome:empty { display: none; }
#outcome.ok { border-left-color: var(--ok); }
#outcome.err { border-left-color: var(--bad); }
table { border-collapse: collapse; width: 100%; background: var(--panel); }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.s-running, .ok { color: var(--ok); }
.s-backoff, .s-starting, .warn { color: var(--warn); }
.s-disabled, .s-failed, .bad { color: var(--bad); }
.s-stopped, .s-stopping, .s-standby { color: var(--idle); }
.state { font-weight: 600; }
button { font: inherit; font-size: 12px; padding: 2px 8px; margin: 0 4px 2px 0; border-radius: 4px; border: 1px solid var(--line); background: var(--bg); color: var(--accent); cursor: pointer; }
button:disabled { color: var(--muted); cursor: default; }
body.readonly .act { display: none; }
.bus { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.bus div { min-width: 120px; }
.bus b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; }
`;

/** The page's markup around the tables the script fills. */
function body(): string {
  return `
<header>
  <h1>Orchestrator status</h1>
  <span>phase <span id="phase" class="badge">…</span></span>
  <span id="ready" class="badge">…</span>
  <span id="updated" class="muted">connecting…</span>
</header>
<div id="mode" class="notice">…</div>
<div id="outcome" class="notice" role="status" aria-live="polite"></div>
<noscript><p class="notice">This page updates itself with JavaScript. The same data as JSON: <code>?format=json</code>.</p></noscript>
<h2>Agents</h2>
<table id="agents"><thead><tr><th>agent</th><th>group</th><th>state</th><th>uptime</th><th>restarts</th><th>crashes</th>
<th>last crash</th><th>back-off</th><th>heartbeat</th><th class="act">actions</th></tr></thead><tbody></tbody></table>
<h2>Triggers</h2>
<table id="triggers"><thead><tr><th>agent</th><th>trigger</th><th>fires</th><th>state</th><th>last run</th><th>next run (local)</th>
<th>next run (UTC)</th><th>skipped</th><th class="act">actions</th></tr></thead><tbody></tbody></table>
<p id="no-triggers" class="muted">No triggers.</p>
<h2>Bus</h2>
<div id="bus" class="bus"></div>
<h2>Deepest queues</h2>
<table id="queues"><thead><tr><th>subscription</th><th>queue group</th><th>pending</th><th>limit</th></tr></thead><tbody></tbody></table>
<p id="no-queues" class="muted">No messages waiting.</p>`;
}

/**
 * The status page: one HTML document with its style and script inline (no
 * CDN, no framework, no build step, nothing from the network). The script
 * polls the same URL's JSON every second and updates the cells in place.
 * `nonce` is the reply's Content-Security-Policy nonce.
 */
export function statusPageHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Orchestrator status</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body class="readonly">${body()}
<script nonce="${nonce}">${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}

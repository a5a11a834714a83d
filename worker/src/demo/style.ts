/** The demo page's stylesheet (inline, CSP nonce). */
export const STYLE = `
:root { --ink: #1d2330; --muted: #5f6b7a; --line: #dde3ea; --bg: #f5f7fa; --card: #fff; --good: #1f8a4c; --warn: #c0392b; --accent: #2d5bd7; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 20px; }
header h1 { font-size: 26px; margin: 22px 0 6px; }
.lede { max-width: 920px; margin: 0 0 16px; color: #2c3442; }
main { display: grid; grid-template-columns: 330px 1fr; gap: 18px; align-items: start; }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px; }
h2 { font-size: 18px; margin: 0 0 10px; display: flex; align-items: center; gap: 8px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.step { display: inline-grid; place-items: center; width: 24px; height: 24px; border-radius: 50%; background: var(--accent); color: #fff; font-size: 13px; }
#pad { width: 280px; height: 280px; border-radius: 8px; background: #000; touch-action: none; cursor: crosshair; display: block; }
.row { display: flex; align-items: center; gap: 8px; margin: 8px 0; flex-wrap: wrap; }
button { font: inherit; padding: 5px 12px; border: 1px solid var(--line); border-radius: 7px; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: 6px; align-items: center; }
legend { float: left; margin-right: 4px; color: var(--muted); }
.chip { display: inline-flex; align-items: center; gap: 5px; padding: 3px 9px; border: 1px solid var(--line); border-radius: 999px; cursor: pointer; }
.chip input { margin: 0; }
.dot { width: 12px; height: 12px; border-radius: 50%; display: inline-block; }
.seen { display: flex; gap: 10px; align-items: center; }
.seen p { margin: 0; font-size: 12.5px; color: var(--muted); }
#preview { width: 84px; height: 84px; image-rendering: pixelated; background: #000; border-radius: 6px; flex: none; }
#samples { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 6px; }
.sample { padding: 2px; border-radius: 6px; display: flex; flex-direction: column; align-items: center; font-size: 11px; color: var(--muted); }
.sample canvas { width: 40px; height: 40px; image-rendering: pixelated; background: #000; border-radius: 4px; }
.sample[aria-pressed="true"] { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent) inset; }
.muted { color: var(--muted); }
#results { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; }
.card h3 { margin: 0; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
.badge { font-size: 12px; padding: 1px 8px; border-radius: 999px; background: #e8eefc; color: var(--accent); font-weight: 600; }
.badge.erm { background: #fdeeee; color: var(--warn); }
.meta { font-size: 12.5px; color: var(--muted); margin: 2px 0 10px; }
.answer { font-size: 22px; margin: 4px 0; }
.answer b { font-size: 28px; }
.verdict { font-size: 13px; font-weight: 600; margin-left: 6px; }
.verdict.right { color: var(--good); } .verdict.wrong { color: var(--warn); }
.bars { margin: 6px 0 10px; }
.bar { display: grid; grid-template-columns: 84px 1fr 46px; gap: 8px; align-items: center; font-size: 13px; margin: 3px 0; }
.bar .track { display: block; height: 10px; background: #eef1f5; border-radius: 5px; overflow: hidden; }
.bar .fill { display: block; height: 100%; background: var(--accent); }
.gauges { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; }
.gauge { text-align: center; font-size: 12.5px; }
.gauge svg { width: 100%; max-width: 170px; display: block; margin: 0 auto; }
.gauge .value { font-size: 20px; font-weight: 650; fill: var(--ink); }
.gauge .name { font-weight: 600; margin-top: 2px; }
.gauge .note { color: var(--muted); }
.explain { margin: 10px 0; padding: 8px 10px; background: #f7f9fc; border-radius: 8px; font-size: 13.5px; }
.explain p { margin: 4px 0; }
.check { margin: 8px 0; padding: 7px 10px; border-radius: 8px; font-size: 13.5px; }
.check.stable { background: #e9f6ee; color: #14643a; }
.check.flips { background: #fdeeee; color: #8e2a20; }
.nearest { display: grid; grid-template-columns: repeat(5, 1fr); gap: 6px; }
.exemplar { display: flex; flex-direction: column; align-items: center; font-size: 11px; line-height: 1.25; color: var(--muted); text-align: center; }
.exemplar canvas { margin-bottom: 2px; }
.exemplar canvas { width: 100%; max-width: 56px; height: auto; aspect-ratio: 1; image-rendering: pixelated; background: #000; border-radius: 4px; }
.unavailable { color: var(--warn); }
.glossary { margin-top: 14px; font-size: 13.5px; }
.glossary dt { font-weight: 600; margin-top: 6px; }
.glossary dd { margin: 0 0 0 12px; color: #333c49; }
footer { margin: 18px auto 30px; color: var(--muted); font-size: 13px; }
a { color: var(--accent); }
.sample-group h4 { margin: 10px 0 4px; font-size: 13px; }
.sample-rows { display: flex; flex-wrap: wrap; gap: 5px; }
.row-sample { flex-direction: row; font-size: 12px; padding: 3px 8px; border: 1px solid var(--line); color: var(--ink); }
#row-view { border-collapse: collapse; font-size: 12.5px; margin: 6px 0; }
#row-view th { text-align: left; font-weight: 500; color: var(--muted); padding: 1px 12px 1px 0; }
#row-view td { font-variant-numeric: tabular-nums; }
#paste { width: 100%; font: 12.5px ui-monospace, monospace; border: 1px solid var(--line); border-radius: 7px; padding: 6px; }
.notice { padding: 8px 10px; background: #fff7e0; border-radius: 8px; font-size: 13.5px; }
.gauges.compact { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px; }
.gauges.compact .value { font-size: 22px; }
.exemplar-id { font-weight: 600; color: var(--ink); }
`;

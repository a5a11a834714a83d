import { FONT } from './theme.js';

/** The report's only stylesheet, inlined so that report.html is one file that opens offline. */
export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f6f4; color: #1f1f1f; font: 15px/1.5 ${FONT}; }
main { max-width: 960px; margin: 0 auto; padding: 32px 24px 48px; background: #fff; min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 8px; border-top: 1px solid #eee; }
h3 { font-size: 16px; margin: 24px 0 6px; }
p { margin: 6px 0 10px; }
.meta { color: #555; font-size: 14px; margin: 2px 0; }
.meta b { color: #222; font-weight: 600; }
figure { margin: 12px 0 20px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption, .note { color: #444; font-size: 14px; max-width: 80ch; }
figcaption { margin-top: 6px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e6e6e6; text-align: right; vertical-align: top; }
th { background: #f3f3f1; font-weight: 600; border-bottom: 1px solid #ccc; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.name { white-space: nowrap; }
td.small { font-size: 12px; color: #555; }
tr.served td { background: #fff8e6; }
.badge { display: inline-block; font-size: 11px; padding: 0 6px; margin-left: 6px; border-radius: 8px; background: #e69f00; color: #000; font-weight: 600; }
.best { font-weight: 700; }
.worst { color: #b34700; font-weight: 600; }
.pass { color: #006e4f; font-weight: 600; }
.fail { color: #b34700; font-weight: 600; }
.scroll { overflow-x: auto; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
`;

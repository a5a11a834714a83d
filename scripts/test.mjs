#!/usr/bin/env node
// `npm test`: typecheck (every runtime's tsconfig) and lint (Biome), then the unit suite (Node), the worker suite
// (inside workerd) and the browser end-to-end suite (Debian chromium + playwright-core against `wrangler dev`). Ends
// with one "N passed, N failed" line; a failed typecheck or lint fails the run. `node scripts/test.mjs lint unit` runs
// only the named steps.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { WRANGLER_ENV } from './wrangler-env.mjs';

const CHROMIUM = '/usr/bin/chromium';
const only = process.argv.slice(2);
const suites = [
  { name: 'unit', config: 'vitest.config.ts' },
  { name: 'worker', config: 'vitest.workers.config.ts' },
  { name: 'e2e', config: 'tests/e2e/vitest.config.ts', needs: ensureChromium },
].filter((s) => only.length === 0 || only.includes(s.name));

/** The browser test needs Debian's chromium; as root on Debian it is installed here, else the message says how. */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('installing Debian chromium for the browser test (apt-get install chromium)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  if (existsSync(CHROMIUM)) return true;
  console.error(`the browser test needs ${CHROMIUM}: sudo apt-get install chromium`);
  return false;
}

/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...WRANGLER_ENV, ...env } }).status;

let passed = 0, failed = 0, broken = false;
for (const check of ['typecheck', 'lint'].filter((c) => only.length === 0 || only.includes(c))) {
  console.log(`\n== ${check} ==`);
  if (run('npm', ['run', '--silent', check]) !== 0) broken = true;
}
mkdirSync('artifacts', { recursive: true });
for (const s of suites) {
  console.log(`\n== ${s.name} tests ==`);
  if (s.needs && !s.needs()) {
    broken = true;
    continue;
  }
  const out = `artifacts/vitest-${s.name}.json`;
  const status = run('npx', ['vitest', 'run', '-c', s.config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    if (r.numTotalTests === 0) broken = true;
  }
  if (status !== 0) broken = true;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(broken || failed > 0 ? 1 : 0);

#!/usr/bin/env node
// `npm run typecheck`: one type world per runtime, each folder's tsconfig.json checked on its own (common options in
// tsconfig.base.json), so that e.g. a Node API used in worker/ fails here rather than in workerd.
//
// worker/worker-configuration.d.ts (the Workers runtime types and `Env`) is generated first, not committed: it is
// derived entirely from wrangler.toml, .dev.vars.example and the installed workerd, offline, in a few seconds. It is
// generated rather than committed + `wrangler types --check`ed because wrangler 4.86's check recomputes `Env` from
// whatever .dev.vars exists locally (ignoring --env-file), so one committed file cannot pass both a clean clone and
// a machine where `npm start` wrote .dev.vars. `--env-file .dev.vars.example` makes the secrets declared in Env the
// committed list, never the local values; `--strict-vars=false` types vars as string (tests and deploys override them).
import { execFile, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { WRANGLER_ENV } from './wrangler-env.mjs';

/** Every type world: the folder's tsconfig.json and the runtime it is checked against. */
export const PROJECTS = [
  ['shared', 'no runtime (ES2022 + shared/src/web-standard.d.ts)'],
  ['client', 'Web-standard fetch (ES2022 + DOM lib): the API client'],
  ['worker', 'Workers runtime (wrangler types)'],
  ['worker/src/demo/client', 'browser (DOM): the demo page'],
  ['trainer', 'Node'],
  ['scripts', 'Node (JS: scripts/, bin/)'],
  ['bench', 'Node'],
  ['tests/unit', 'Node'],
  ['tests/worker', 'Workers runtime + cloudflare:test'],
  ['tests/e2e', 'Node + DOM (page callbacks)'],
  ['.', 'Node (vitest configs, worker-suite global setup)'],
];

const types = spawnSync('npx', ['wrangler', 'types', 'worker/worker-configuration.d.ts', '--strict-vars=false', '--env-file', '.dev.vars.example'], {
  encoding: 'utf8',
  env: { ...process.env, ...WRANGLER_ENV },
});
if (types.status !== 0) {
  process.stderr.write(`${types.stdout}${types.stderr}\nwrangler types failed: worker/worker-configuration.d.ts was not generated\n`);
  process.exit(1);
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** @param {string} project @returns {Promise<{ ok: boolean, output: string }>} */
const check = (project) => new Promise((resolve) => {
  execFile(process.execPath, [tsc, '-p', project, '--pretty', String(Boolean(process.stdout.isTTY))], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => resolve({ ok: !err, output: stdout + stderr }));
});

// A few projects at a time (they are independent); each one's errors are printed together, in the order above.
/** @type {{ ok: boolean, output: string }[]} */
const results = new Array(PROJECTS.length);
let next = 0;
const lane = async () => {
  while (next < PROJECTS.length) {
    const i = next++;
    results[i] = await check(PROJECTS[i][0]);
  }
};
await Promise.all(Array.from({ length: Math.min(4, availableParallelism()) }, lane));

PROJECTS.forEach(([project, world], i) => {
  if (results[i].output) process.stdout.write(results[i].output);
  console.log(`${results[i].ok ? 'ok  ' : 'FAIL'} ${project.padEnd(12)} ${world}`);
});
const failed = PROJECTS.filter((_, i) => !results[i].ok).map(([project]) => project);
if (failed.length > 0) {
  console.error(`typecheck failed in: ${failed.join(', ')}`);
  process.exit(1);
}

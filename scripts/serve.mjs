#!/usr/bin/env node
// Serves the bundles in bundles/ with the real Workers runtime (`wrangler dev`, workerd) on 127.0.0.1.
// A local API key is generated once into .dev.vars (git-ignored); it is never printed.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { WRANGLER_ENV } from './wrangler-env.mjs';

const port = process.env.PORT ?? '8787';
const active = process.env.ACTIVE_MODEL ?? 'mat-cmnist';
if (!existsSync(`bundles/${active}/manifest.json`)) {
  console.error(`no bundle at bundles/${active}/ — train one first: npm run train (or npm run main, which trains and serves)`);
  process.exit(1);
}
if (!existsSync('.dev.vars') || !/^API_KEYS=/m.test(readFileSync('.dev.vars', 'utf8'))) {
  writeFileSync('.dev.vars', `API_KEYS=${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  console.log('generated a local API key in .dev.vars');
}
const url = `http://127.0.0.1:${port}`;
console.log(`\nmat-edge worker starting on ${url}`);
console.log(`  demo page:   ${url}/`);
console.log(`  health:      curl ${url}/healthz`);
console.log(`  predict:     curl -s ${url}/v1/predict -H "Authorization: Bearer $(sed -n 's/^API_KEYS=//p' .dev.vars | cut -d, -f1)" \\`);
console.log(`                 -H 'content-type: application/json' -d "{\\"inputs\\": [$(node -e 'console.log(JSON.stringify(Array(392).fill(0)))')], \\"explain\\": true}"`);
console.log('  Ctrl-C stops it.\n');
const child = spawn('npx', ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', port, '--show-interactive-dev-session=false'], {
  stdio: 'inherit',
  env: { ...process.env, ...WRANGLER_ENV },
});
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));

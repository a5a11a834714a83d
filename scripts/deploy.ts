/**
 * `npm run deploy [-- --dry-run] [--plan free|paid] [--skip-typecheck] [--env NAME] [--assets DIR]`: checks, then `wrangler deploy
 * --env production` (README "Deploy"). The checks: typecheck; the environment's configuration (no REPLACE-ME left, an
 * https DEMO_ORIGIN); every bundle it would serve from static assets exists and passes the worker's own verifier
 * (schema, sizes, sha256, the ONNX graph); no asset file over the per-file limit; the script `wrangler deploy --dry-run`
 * builds under the plan's compressed size limit; and, for a real deploy only, the API_KEYS secret set. `--dry-run`
 * runs every check offline and deploys nothing (placeholders are then warnings): what the tests run.
 */
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { unstable_readConfig } from 'wrangler';
import { readBundle } from '../trainer/src/bundle/read.js';
import { WRANGLER_ENV, dryRunSize } from '../tests/e2e/wrangler-dev.js';
import { ASSET_FILE_MAX_BYTES, PLAN_LIMITS, type Plan } from './plan-limits.js';

const PLACEHOLDER = 'REPLACE-ME';
/** The secrets the worker reads (`wrangler secret put NAME --env production`); their values are never in the repo. */
export const SECRETS = ['API_KEYS'] as const;

const { values: args } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    plan: { type: 'string', default: 'paid' },
    env: { type: 'string', default: 'production' },
    'skip-typecheck': { type: 'boolean', default: false },
    config: { type: 'string', default: 'wrangler.toml' },
    /** Another bundles folder than the configuration's [assets] directory (passed on to wrangler deploy). */
    assets: { type: 'string' },
  },
});
const dryRun = args['dry-run']!, env = args.env!, plan = args.plan as Plan;
if (!(plan in PLAN_LIMITS)) throw new Error(`--plan must be ${Object.keys(PLAN_LIMITS).join(' or ')}, not "${args.plan}"`);

let failed = false;
const ok = (what: string) => console.log(`ok    ${what}`);
const fail = (what: string) => {
  failed = true;
  console.log(`FAIL  ${what}`);
};
const warn = (what: string) => console.log(`warn  ${what}`);
const wrangler = (wargs: string[], stdio: 'inherit' | 'pipe' = 'pipe') =>
  spawnSync(path.resolve('node_modules/.bin/wrangler'), wargs, { encoding: 'utf8', stdio, env: { ...process.env, ...WRANGLER_ENV } });

console.log(`mat-edge deploy checks (--env ${env}, ${plan} plan${dryRun ? ', dry run: nothing is deployed' : ''})`);

if (args['skip-typecheck']) warn('typecheck skipped (--skip-typecheck)');
else if (spawnSync(process.execPath, ['scripts/typecheck.mjs'], { stdio: 'inherit' }).status === 0) ok('typecheck');
else fail('typecheck');

// The environment as wrangler resolves it (vars and bindings are not inherited from the top level).
const config = unstable_readConfig({ config: args.config, env });
const vars = config.vars as Record<string, string>;
// wrangler's declarations leave these loosely typed here; the shapes the checks read.
const routes = (config.routes ?? []) as unknown[];
const buckets = config.r2_buckets as { binding: string; bucket_name?: string }[];
const left = [
  ...Object.entries(vars).filter(([, v]) => String(v).includes(PLACEHOLDER)).map(([k]) => `vars.${k}`),
  ...routes.filter((r) => JSON.stringify(r).includes(PLACEHOLDER)).map((r) => `route ${JSON.stringify(r)}`),
  ...buckets.filter((b) => b.bucket_name?.includes(PLACEHOLDER)).map((b) => `r2 bucket ${b.binding}`),
];
if (left.length) (dryRun ? warn : fail)(`${args.config} [env.${env}] still has ${PLACEHOLDER} in: ${left.join(', ')}`);
else ok(`[env.${env}] has no ${PLACEHOLDER} left`);
const demoOrigin = vars.DEMO_ORIGIN;
if (!demoOrigin || !/^https:\/\/[^/]+$/.test(demoOrigin)) fail(`vars.DEMO_ORIGIN must be an https origin (scheme and host, no path), not ${JSON.stringify(demoOrigin)}`);
else if (!demoOrigin.includes(PLACEHOLDER)) ok(`DEMO_ORIGIN ${demoOrigin}`);
if (!config.observability?.enabled) warn(`[env.${env}.observability] is not enabled: no logs in the dashboard`);

// MODELS as worker/src/env.ts reads it: "id" or "id=path", comma-separated.
const models = String(vars.MODELS ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((entry) => {
  const [id, folder = id] = entry.split('=').map((s) => s.trim());
  return { id, folder };
});
if (!models.length) fail('vars.MODELS is empty');
if (vars.BUNDLE_SOURCE === 'r2') {
  warn(`BUNDLE_SOURCE = "r2": the bundles are read from bucket ${buckets.find((b) => b.binding === 'BUNDLES')?.bucket_name}; `
    + 'publish them there (`mat-edge publish` / `activate`, README "Deploy"); they are not checked here');
} else {
  const dir = args.assets ?? config.assets?.directory;
  if (!dir) fail('BUNDLE_SOURCE is "assets" but the configuration has no [assets] directory');
  else {
    for (const { id, folder } of models) {
      const bundleDir = path.join(dir, folder);
      try {
        const { manifest } = await readBundle(bundleDir);
        if (manifest.model.id !== id) fail(`${bundleDir}: manifest model.id is "${manifest.model.id}", MODELS names "${id}"`);
        else ok(`bundle ${id}@${manifest.model.version} (${bundleDir}) verifies: schema, sizes, sha256, graph`);
      } catch (e) {
        fail(`bundle ${id} (${bundleDir}): ${e instanceof Error ? e.message : String(e)} — train it (npm run main) or fix MODELS`);
      }
    }
    const large = await filesOver(dir, ASSET_FILE_MAX_BYTES);
    if (large.length) fail(`static assets over ${ASSET_FILE_MAX_BYTES / 2 ** 20} MiB per file: ${large.join(', ')} (serve from R2 instead: README "Deploy")`);
    else ok(`every static asset under ${dir} is at most ${ASSET_FILE_MAX_BYTES / 2 ** 20} MiB`);
  }
}

try {
  const { totalKiB, gzipKiB } = await dryRunSize({ env });
  const limit = PLAN_LIMITS[plan].scriptGzipKiB;
  const line = `script (wrangler deploy --dry-run --env ${env}): ${totalKiB} KiB, gzip ${gzipKiB} KiB, ${plan} plan limit ${limit} KiB`;
  if (gzipKiB <= limit) ok(line);
  else fail(`${line}${plan === 'free' ? ' (the ORT wasm alone is over it: deploy on the Paid plan)' : ''}`);
} catch (e) {
  fail(`wrangler deploy --dry-run: ${e instanceof Error ? e.message : String(e)}`);
}

if (!dryRun && !failed) {
  // Secret names only: `wrangler secret list` never shows values.
  const listed = wrangler(['secret', 'list', '--env', env, '--format', 'json']);
  if (listed.status !== 0) fail(`wrangler secret list --env ${env}: ${listed.stderr.trim() || listed.stdout.trim()}`);
  else {
    const names = new Set((JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name));
    const missing = SECRETS.filter((s) => !names.has(s));
    if (missing.length) fail(`secrets not set: ${missing.map((s) => `npx wrangler secret put ${s} --env ${env}`).join('; ')}`);
    else ok(`secrets set: ${SECRETS.join(', ')}`);
  }
}

if (failed) {
  console.log(dryRun ? '\ndry run: some checks failed (above)' : '\nnot deployed: some checks failed (above)');
  process.exit(1);
}
if (dryRun) {
  console.log(`\ndry run: every check passed; \`npm run deploy\` would now run \`wrangler deploy --env ${env}\``);
} else {
  const deployed = wrangler(['deploy', '--env', env, ...(args.assets ? ['--assets', args.assets] : [])], 'inherit');
  process.exit(deployed.status ?? 1);
}

/** Files under `dir` larger than `max` bytes, as paths relative to it. */
async function filesOver(dir: string, max: number): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await stat(file)).size > max) out.push(path.relative(dir, file));
  }
  return out;
}

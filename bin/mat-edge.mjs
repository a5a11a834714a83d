#!/usr/bin/env node
// `npx mat-edge <verb> …` (package.json "bin"): runs the TypeScript CLI (trainer/src/cli/index.ts) in this process
// through tsx's ESM loader API, so its stdio, exit code and signals are the CLI's own. tsx is a runtime dependency,
// so this works right after `npm ci`; `npm run mat-edge -- …` runs the same file.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../trainer/src/cli/index.ts', import.meta.url).href);

#!/usr/bin/env node
import { Command } from 'commander';
import { DataValidationError } from '../data/index.js';
import { registerAcceptance } from './acceptance-command.js';
import { registerTrain } from './train-command.js';
import { registerValidate } from './validate-command.js';
import { registerEvaluate } from './evaluate-command.js';
import { registerReport } from './report-command.js';
import { registerScore } from './score-command.js';
import { registerPublish } from './publish-command.js';
import { registerActivate } from './activate-command.js';
import { registerCollect } from './collect-command.js';
import { registerSweep } from './sweep-command.js';

const program = new Command()
  .name('mat-edge')
  .description('Memorization-aware training (XRM + MAT) with baselines, memorization metadata and servable model bundles')
  .showHelpAfterError()
  .exitOverride();

registerTrain(program);
registerSweep(program);
registerCollect(program);
registerValidate(program);
registerEvaluate(program);
registerReport(program);
registerScore(program);
registerPublish(program);
registerActivate(program);
registerAcceptance(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = e as Error & { code?: string; exitCode?: number };
  if (err.code?.startsWith('commander.')) process.exit(err.exitCode ?? 2);
  if (e instanceof DataValidationError) {
    console.error(`data error: ${err.message}`);
    process.exit(2);
  }
  console.error(`error: ${err.message}`);
  if (process.env.MAT_EDGE_DEBUG) console.error(err.stack);
  process.exit(1);
}

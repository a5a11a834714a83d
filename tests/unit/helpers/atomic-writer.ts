/**
 * Child process of trainer-atomic.test.ts: rewrites one large bundle folder with writeBundle (writeFolderAtomic) in a
 * loop, generation after generation, until it is killed. Usage: node --import tsx atomic-writer.ts DIR FIRST_GENERATION.
 * Prints "ready" once loaded and "wrote G" after each complete write (stdout to a pipe is synchronous on Linux).
 */
import { writeBundle } from '../../../trainer/src/bundle/write.js';
import { fixtureContents } from './fixture-bundle.js';

const [dir, first] = process.argv.slice(2);
// A writer nobody kills (the test died) must not run on.
setTimeout(() => process.exit(3), 60_000).unref();
process.stdout.write('ready\n');
for (let generation = Number(first); ; generation++) {
  await writeBundle(dir, fixtureContents({ generation, modelBytes: 24 << 20, reportBytes: 8 << 20 }));
  process.stdout.write(`wrote ${generation}\n`);
}

import { InvalidArgumentError, type Command } from 'commander';
import { ALGORITHMS, isAlgorithmName, type AlgorithmName } from '../algorithms/registry.js';
import { defaultWorkers } from '../pool/runner.js';

export function intOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got "${value}"`);
    return n;
  };
}

export function algorithmList(value: string): AlgorithmName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InvalidArgumentError('give at least one algorithm');
  for (const name of names) {
    if (!isAlgorithmName(name)) throw new InvalidArgumentError(`unknown algorithm "${name}" (known: ${Object.keys(ALGORITHMS).join(', ')})`);
  }
  return names as AlgorithmName[];
}

export function choice<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** Tag used in bundle ids: `<algorithm>-<tag>`. */
export function defaultTag(dataName: string): string {
  if (dataName.startsWith('colored-mnist')) return dataName === 'colored-mnist' ? 'cmnist' : `cmnist-${dataName.split(':')[1]}`;
  if (dataName.startsWith('synthetic')) return 'synthetic';
  return dataName.replace(/^[a-z]+:/, '').replace(/\.[a-z]+$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'custom';
}

/** A comma-separated list of column names or patterns (`f0-f391`, `emb_*`). */
export function columnList(flag: string) {
  return (value: string): string[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${flag} needs at least one column name or pattern`);
    return items;
  };
}

/** A bundle name: what a bundle id (`<algorithm>-<name>`) may carry. */
export function bundleName(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(value)) throw new InvalidArgumentError(`bundle name must be lowercase letters, digits and dashes (at most 41), got "${value}"`);
  return value;
}

/** `--workers N` (train, acceptance, validate-scores): independent runs on N worker threads, one per core by default. */
export function workersOption(command: Command): Command {
  return command.option(
    '--workers <n>', 'worker threads for independent training runs (1: every run in this process, no pool; default: one per core)',
    intOption('--workers', 1, 1024), defaultWorkers(),
  );
}

/** Command-line parsing helpers: typed option values with errors that name the flag. */
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

import type { Device } from '../engine/dtype.js';
import { cudaAvailable } from '../engine/runtime.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Help text: what the option sets, its unit and its default. */
  help: string;
  /** The placeholder shown in help, such as N or PATH. */
  value?: string;
  short?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parses argv against `specs`; unknown options and stray positionals are usage errors. */
export function parseOptions(
  argv: string[],
  specs: OptionSpecs,
  positionals = 0,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}) };
  }
  try {
    const args = joinNegativeValues(argv, specs);
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument '${parsed.positionals[positionals]}'`);
    }
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    if (unknown) {
      throw new UsageError(
        `unknown option ${unknown[1]}; run the command with --help for its options`,
      );
    }
    throw new UsageError((error as Error).message);
  }
}

/**
 * Turns `--lr -1` into `--lr=-1`: parseArgs would read `-1` as an option, and the user would
 * get a message about the syntax instead of one about the value.
 */
function joinNegativeValues(argv: string[], specs: OptionSpecs): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const spec = arg.startsWith('--') ? specs[arg.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return [spec.short ? `-${spec.short}, ${flag}` : `    ${flag}`, spec.help] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n');
}

function raw(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** An integer option; `min` is inclusive. */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min?: number,
): number;
export function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: undefined,
  min?: number,
): number | undefined;
export function intOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number | undefined,
  min = 1,
): number | undefined {
  const text = raw(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, got '${text}'`);
  }
  return value;
}

export function floatOption(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  check: (value: number) => boolean = (v) => v > 0,
  expectation = 'a positive number',
): number {
  const text = raw(values, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${name} must be ${expectation}, got '${text}'`);
  }
  return value;
}

export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const text = raw(values, name);
  if (text !== undefined && text.trim() === '') throw new UsageError(`--${name} must not be empty`);
  return text;
}

export function requireOption(values: Record<string, unknown>, name: string, hint: string) {
  const text = stringOption(values, name);
  if (text === undefined) throw new UsageError(`--${name} is required: ${hint}`);
  return text;
}

export function deviceOption(values: Record<string, unknown>): Device {
  const text = raw(values, 'device') ?? 'cpu';
  if (text === 'cpu') return text;
  if (text !== 'cuda' && !/^cuda:\d+$/.test(text)) {
    throw new UsageError(`--device must be cpu, cuda or cuda:N, got '${text}'`);
  }
  if (!cudaAvailable()) {
    throw new UsageError(
      `--device ${text}: this aigc is built against a libtorch without CUDA or finds no GPU; ` +
        'use --device cpu, or rebuild with LIBTORCH set to a CUDA libtorch (see the README)',
    );
  }
  return text as Device;
}

/**
 * Returns the default run folder, runs/DATA-MODEL. DATA is the data set name, or the last part of
 * a path, with characters other than letters, digits, '.', '_' and '-' replaced by '-'.
 */
export function defaultRunFolder(data: string, model: string): string {
  const name = basename(data.replace(/[\\/]+$/, ''))
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+/, '');
  return `runs/${name || 'data'}-${model}`;
}

/** The options every `train` command accepts. */
export const COMMON_TRAIN_OPTIONS: OptionSpecs = {
  data: { type: 'string', value: 'NAME|PATH', help: 'data set name or path (required)' },
  out: {
    type: 'string',
    value: 'DIR',
    help: 'run folder for config, metrics, samples, checkpoints (default runs/DATA-MODEL)',
  },
  epochs: { type: 'string', value: 'N', help: 'passes over the training data' },
  steps: {
    type: 'string',
    value: 'N',
    help: 'stop after N optimizer steps, if before the last epoch',
  },
  'batch-size': { type: 'string', value: 'N', help: 'examples per optimizer step' },
  lr: { type: 'string', value: 'X', help: 'learning rate' },
  seed: {
    type: 'string',
    value: 'N',
    help: 'seed of initialisation, noise and data order (default 1)',
  },
  resume: { type: 'boolean', help: 'continue the run in --out from its newest checkpoint' },
  device: { type: 'string', value: 'cpu|cuda', help: 'where to train (default cpu)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

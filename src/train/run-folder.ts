/**
 * A run folder contains everything one training run writes:
 *   config.json            the resolved configuration
 *   metrics.jsonl          one JSON object per logged step or evaluation
 *   samples/               images written during training (image models only)
 *   checkpoints/step-N.safetensors
 */
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

import { writeFileAtomic } from '../io/atomic.js';
import { checkSafetensorsFile, SafetensorsError } from '../io/safetensors.js';
import { makeFolder } from '../io/folders.js';

const CHECKPOINT_PATTERN = /^step-(\d+)\.safetensors$/;

export class RunFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  get configPath(): string {
    return join(this.dir, 'config.json');
  }

  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }

  get samplesDir(): string {
    return join(this.dir, 'samples');
  }

  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }

  /** Creates the folder tree, or fails with a message that names the folder and the fix. */
  /** Creates the run folder and its checkpoints folder, and samples/ unless `samples` is false. */
  prepare({ samples = true }: { samples?: boolean } = {}): void {
    try {
      if (existsSync(this.dir) && !statSync(this.dir).isDirectory()) {
        throw new Error('it exists and is not a folder');
      }
      if (samples) makeFolder(this.samplesDir);
      makeFolder(this.checkpointsDir);
      accessSync(this.dir, constants.W_OK);
    } catch (error) {
      throw new Error(
        `cannot write the run folder ${this.dir}: ${(error as Error).message}; ` +
          'choose another folder with --out',
      );
    }
  }

  async writeConfig(config: unknown): Promise<void> {
    await writeFileAtomic(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
  }

  readConfig(): unknown {
    return JSON.parse(readFileSync(this.configPath, 'utf8'));
  }

  appendMetrics(record: Record<string, unknown>): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(record)}\n`);
  }

  /**
   * Removes the metrics of an earlier start that left no checkpoint (one stopped by a second
   * Ctrl-C, say), so a new run's log does not continue the old one.
   */
  clearMetrics(): void {
    rmSync(this.metricsPath, { force: true });
  }

  /**
   * Drops metric records past `step`, so a resumed run's log continues from its checkpoint
   * instead of repeating the steps that the interrupted run logged after it.
   */
  async truncateMetrics(step: number): Promise<void> {
    if (!existsSync(this.metricsPath)) return;
    const kept = readFileSync(this.metricsPath, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .filter((line) => {
        try {
          const record = JSON.parse(line) as { step?: number };
          return record.step === undefined || record.step <= step;
        } catch {
          return false;
        }
      });
    await writeFileAtomic(this.metricsPath, kept.map((line) => `${line}\n`).join(''));
  }

  checkpointPath(step: number): string {
    return join(this.checkpointsDir, `step-${String(step).padStart(8, '0')}.safetensors`);
  }

  /** Checkpoint files, oldest first. */
  checkpoints(): { step: number; path: string }[] {
    if (!existsSync(this.checkpointsDir)) return [];
    return readdirSync(this.checkpointsDir)
      .map((name) => ({ match: CHECKPOINT_PATTERN.exec(name), name }))
      .filter((entry) => entry.match !== null)
      .map((entry) => ({
        step: Number(entry.match![1]),
        path: join(this.checkpointsDir, entry.name),
      }))
      .sort((a, b) => a.step - b.step);
  }

  latestCheckpoint(): string | null {
    return this.checkpoints().at(-1)?.path ?? null;
  }

  /**
   * Returns the newest checkpoint whose file is whole, passing over truncated or damaged newer
   * ones with a warning each, or null when the folder has no checkpoint. Throws when every
   * checkpoint is damaged.
   */
  latestIntactCheckpoint(warn: (message: string) => void = console.warn): string | null {
    const all = this.checkpoints().reverse();
    if (all.length === 0) return null;
    const problems: string[] = [];
    for (const { path } of all) {
      try {
        checkSafetensorsFile(path);
        return path;
      } catch (error) {
        if (!(error instanceof SafetensorsError)) throw error;
        problems.push(error.message);
        warn(`skipping a damaged checkpoint: ${error.message}`);
      }
    }
    throw new Error(
      `every checkpoint in ${this.checkpointsDir} is damaged (${problems.join('; ')}); ` +
        'start a new run with another --out folder',
    );
  }

  /** Removes all but the newest `keep` checkpoints. */
  pruneCheckpoints(keep: number): void {
    const all = this.checkpoints();
    for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(old.path);
  }
}

/**
 * Resolves what `--checkpoint` names: a checkpoint file, or a run folder (its newest
 * checkpoint). Fails with a message that names what was found instead.
 */
export function resolveCheckpoint(path: string): string {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new Error(`checkpoint not found: ${full}; pass a run folder or a .safetensors file`);
  }
  if (statSync(full).isFile()) return full;
  const latest = new RunFolder(full).latestIntactCheckpoint();
  if (latest === null) {
    throw new Error(
      `no checkpoint in ${full}: expected checkpoints/step-N.safetensors; train first, or pass ` +
        'the run folder that `aigc train --out` wrote',
    );
  }
  return latest;
}

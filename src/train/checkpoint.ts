/**
 * Training checkpoints: models, optimizers, random state and progress in one safetensors file,
 * written atomically so an interrupted write never replaces a good checkpoint.
 *
 * Tensor names: `model.<module>.<state-dict key>`, `optim.<optimizer>.<param index>.<buffer>`,
 * `rng.<name>`. The metadata key `aigc` contains JSON: the format version, the model kind, its
 * configuration, training options, progress and each optimizer's step counts.
 */
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { checkSafetensorsFile } from '../io/safetensors.js';
import { loadTensors, saveTensors } from '../io/tensors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerKind, OptimizerState, ParamState } from '../optim/optimizer.js';
import type { RunFolder } from './run-folder.js';

const FORMAT_VERSION = 1;

/** Training progress: `batch` batches of epoch `epoch` (0-based) are done. */
export interface Progress {
  epoch: number;
  batch: number;
  step: number;
}

export interface CheckpointMeta {
  format: number;
  kind: string;
  config: unknown;
  training: unknown;
  progress: Progress;
  optimizers: Record<string, { kind: OptimizerKind; lr: number; steps: (number | null)[] }>;
  /** Free-form values a trainer needs on resume (for instance the last losses). */
  extra?: Record<string, unknown>;
}

export interface CheckpointContent {
  kind: string;
  config: unknown;
  training: unknown;
  progress: Progress;
  modules: Record<string, Module>;
  optimizers?: Record<string, Optimizer>;
  tensors?: Record<string, Tensor>;
  extra?: Record<string, unknown>;
}

/** A checkpoint or run folder that cannot be used: missing, malformed, or of another model. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export async function saveCheckpoint(path: string, content: CheckpointContent): Promise<void> {
  const tensors = new Map<string, Tensor>();
  for (const [name, module] of Object.entries(content.modules)) {
    for (const [key, value] of module.stateDict()) tensors.set(`model.${name}.${key}`, value);
  }
  const optimizers: CheckpointMeta['optimizers'] = {};
  const snapshots: OptimizerState[] = [];
  for (const [name, optimizer] of Object.entries(content.optimizers ?? {})) {
    const state = optimizer.stateDict();
    snapshots.push(state);
    optimizers[name] = {
      kind: state.kind,
      lr: state.lr,
      steps: state.params.map((p) => p?.step ?? null),
    };
    state.params.forEach((param, i) => {
      for (const [buffer, value] of Object.entries(param?.buffers ?? {})) {
        tensors.set(`optim.${name}.${i}.${buffer}`, value);
      }
    });
  }
  for (const [name, value] of Object.entries(content.tensors ?? {})) tensors.set(name, value);
  const meta: CheckpointMeta = {
    format: FORMAT_VERSION,
    kind: content.kind,
    config: content.config,
    training: content.training,
    progress: content.progress,
    optimizers,
    extra: content.extra,
  };
  try {
    await saveTensors(path, tensors, { aigc: JSON.stringify(meta) });
  } finally {
    for (const state of snapshots) {
      for (const param of state.params)
        for (const t of Object.values(param?.buffers ?? {})) t.dispose();
    }
  }
}

export interface LoadedCheckpoint {
  path: string;
  meta: CheckpointMeta;
  tensors: Map<string, Tensor>;
}

/**
 * Reads a checkpoint and checks that it contains a model of `expectedKind` (or one of several
 * kinds). The tensors belong to the current scope: dispose() them after restoring.
 */
export function readCheckpoint(path: string, expectedKind?: string | readonly string[]) {
  const { tensors, metadata } = loadTensors(path);
  const dispose = () => tensors.forEach((t) => t.dispose());
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.aigc ?? 'null') as CheckpointMeta;
  } catch {
    dispose();
    throw new CheckpointError(`${path} has invalid aigc metadata; it was not written by aigc`);
  }
  if (meta === null || typeof meta.kind !== 'string') {
    dispose();
    throw new CheckpointError(
      `${path} is a safetensors file without aigc metadata; pass a checkpoint that aigc wrote`,
    );
  }
  if (meta.format !== FORMAT_VERSION) {
    dispose();
    throw new CheckpointError(
      `${path} has checkpoint format ${meta.format}; this aigc reads format ${FORMAT_VERSION}`,
    );
  }
  const allowed = expectedKind === undefined ? null : [expectedKind].flat();
  if (allowed !== null && !allowed.includes(meta.kind)) {
    dispose();
    throw new CheckpointError(
      `${path} contains a ${meta.kind} model, but this command needs a checkpoint of kind ` +
        `${allowed.join(' or ')}; pass a checkpoint of the right kind`,
    );
  }
  return { path, meta, tensors } satisfies LoadedCheckpoint;
}

/**
 * Opens the checkpoint that a training run resumes from: the newest intact one of `run`, which
 * must contain a model of `kind`. Without `resume` it checks that the folder has no checkpoint
 * yet and returns null. The tensors are kept out of every scope: dispose() them after restoring.
 */
export function openResumeCheckpoint(
  run: RunFolder,
  resume: boolean,
  kind: string,
  warn: (message: string) => void,
): LoadedCheckpoint | null {
  const latest = run.latestCheckpoint();
  if (!resume) {
    if (latest !== null) {
      throw new CheckpointError(
        `${run.dir} already contains a run (${latest}); pass --resume to continue it, or ` +
          'choose another --out folder',
      );
    }
    return null;
  }
  if (latest === null) {
    throw new CheckpointError(
      `--resume: no checkpoint in ${run.dir}/checkpoints; start without --resume`,
    );
  }
  const checkpoint = readCheckpoint(run.latestIntactCheckpoint(warn)!, kind);
  for (const t of checkpoint.tensors.values()) keep(t);
  return checkpoint;
}

/**
 * Reads only the metadata of a checkpoint, without its tensors: enough to tell which model it
 * contains. The header and layout are checked against the file size, as for a full read.
 * Fails with a CheckpointError when the file is not an aigc checkpoint.
 */
export function readCheckpointMeta(path: string): CheckpointMeta {
  const metadata = checkSafetensorsFile(path);
  let meta: CheckpointMeta | null;
  try {
    meta = JSON.parse(metadata.aigc ?? 'null') as CheckpointMeta | null;
  } catch {
    throw new CheckpointError(`${path} has invalid aigc metadata; it was not written by aigc`);
  }
  if (meta === null || typeof meta.kind !== 'string') {
    throw new CheckpointError(
      `${path} is a safetensors file without aigc metadata; pass a checkpoint that aigc wrote`,
    );
  }
  return meta;
}

/** The tensors stored under `prefix.`, with the prefix removed. */
export function withPrefix(tensors: Map<string, Tensor>, prefix: string): Map<string, Tensor> {
  const result = new Map<string, Tensor>();
  for (const [name, value] of tensors) {
    if (name.startsWith(`${prefix}.`)) result.set(name.slice(prefix.length + 1), value);
  }
  return result;
}

export function restoreModule(checkpoint: LoadedCheckpoint, name: string, module: Module): void {
  const state = withPrefix(checkpoint.tensors, `model.${name}`);
  if (state.size === 0) {
    throw new CheckpointError(`${checkpoint.path} has no weights for '${name}'`);
  }
  module.loadStateDict(state);
}

export function restoreOptimizer(
  checkpoint: LoadedCheckpoint,
  name: string,
  optimizer: Optimizer,
): void {
  const saved = checkpoint.meta.optimizers[name];
  if (saved === undefined) {
    throw new CheckpointError(`${checkpoint.path} has no state for optimizer '${name}'`);
  }
  const buffers = withPrefix(checkpoint.tensors, `optim.${name}`);
  const params: (ParamState | null)[] = saved.steps.map((step, i) => {
    if (step === null) return null;
    const own = withPrefix(buffers, String(i));
    return { step, buffers: Object.fromEntries(own) };
  });
  optimizer.loadStateDict({ kind: saved.kind, lr: saved.lr, params });
}

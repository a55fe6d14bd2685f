/** Finds the checkpoint a command names before its options are parsed, to pick the model. */
import { readCheckpointMeta } from '../train/checkpoint.js';
import { resolveCheckpoint } from '../train/run-folder.js';

/** Returns the value of `--checkpoint X` or `--checkpoint=X` in argv, if any. */
export function checkpointArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--checkpoint') return argv[i + 1];
    if (arg.startsWith('--checkpoint=')) return arg.slice('--checkpoint='.length);
  }
  return undefined;
}

/** Returns the checkpoint file and the kind of model it contains, or null without --checkpoint. */
export function checkpointKind(argv: readonly string[]): { path: string; kind: string } | null {
  const named = checkpointArgument(argv);
  if (named === undefined) return null;
  const path = resolveCheckpoint(named);
  return { path, kind: readCheckpointMeta(path).kind };
}

/** Model kinds whose checkpoints hold a language model. */
export const TEXT_KINDS: readonly string[] = ['gpt', 'lstm'];

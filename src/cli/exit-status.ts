/** The exit status of each kind of failure, as `aigc --help` lists them. */
import { DataError } from '../data/errors.js';
import { SafetensorsError } from '../io/safetensors.js';
import { MetricsError } from '../metrics/errors.js';
import { TokenizerError } from '../text/errors.js';
import { ModelConfigError } from '../text/model-config.js';
import { CheckpointError } from '../train/checkpoint.js';
import { UsageError } from './args.js';

/** Exit statuses of the command line. */
export const EXIT_STATUS = { done: 0, failed: 1, usage: 2, input: 3, interrupted: 130 } as const;

/** Errors about a file or folder that the user passed, rather than about the command line. */
const INPUT_ERRORS = [
  DataError,
  CheckpointError,
  SafetensorsError,
  MetricsError,
  ModelConfigError,
  TokenizerError,
];

/**
 * Returns the exit status for an error that ended a command: 2 for an invalid command, option
 * or setting, 3 for invalid or missing input, else 1. Setting checks throw RangeError.
 */
export function exitStatusOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof RangeError) return EXIT_STATUS.usage;
  if (INPUT_ERRORS.some((kind) => error instanceof kind)) return EXIT_STATUS.input;
  return EXIT_STATUS.failed;
}

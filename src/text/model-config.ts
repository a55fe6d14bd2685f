/** Checks of the language models' JSON configurations, as stored in checkpoints. */

/** The rule a configuration field's value must follow. */
export type FieldRule = 'positive integer' | 'probability' | 'boolean';

/** A configuration with a missing, unknown or invalid field. */
export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

/**
 * Checks that `config` has exactly the fields of `rules`, each valid, and returns it typed.
 * A probability is a number in [0, 1).
 */
export function checkConfig<T>(model: string, config: unknown, rules: Record<keyof T, FieldRule>) {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new ModelConfigError(`${model} configuration must be an object, got ${String(config)}`);
  }
  const fields = config as Record<string, unknown>;
  const expected = Object.keys(rules);
  const unknown = Object.keys(fields).filter((key) => !expected.includes(key));
  if (unknown.length > 0) {
    throw new ModelConfigError(
      `${model} configuration has unknown field(s) ${unknown.join(', ')}; ` +
        `the fields are ${expected.join(', ')}`,
    );
  }
  for (const [key, rule] of Object.entries(rules) as [string, FieldRule][]) {
    const value = fields[key];
    if (!satisfies(value, rule)) {
      throw new ModelConfigError(
        `${model} configuration field ${key} must be a ${rule}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return config as T;
}

function satisfies(value: unknown, rule: FieldRule): boolean {
  if (rule === 'boolean') return typeof value === 'boolean';
  if (typeof value !== 'number') return false;
  if (rule === 'positive integer') return Number.isSafeInteger(value) && value > 0;
  return value >= 0 && value < 1;
}

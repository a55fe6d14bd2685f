/**
 * Scopes give tensors deterministic lifetimes. Every tensor created while a scope is open
 * belongs to it; when the scope ends, it disposes every tensor it owns except those returned
 * from it or kept with keep(). Returned tensors move to the enclosing scope.
 *
 * Garbage collection is only the safety net: V8 runs native finalizers after the current task
 * yields to the event loop, so a synchronous loop that relies on it alone grows until it awaits.
 */

/** What a scope can own: anything with an idempotent dispose(). */
export interface ScopedValue {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<ScopedValue>[] = [];

/** Adds a newly created value to the innermost open scope, if any. */
export function track(value: ScopedValue): void {
  scopes[scopes.length - 1]?.add(value);
}

/** Takes `value` out of every open scope, so it lives until dispose() or garbage collection. */
export function keep<T extends ScopedValue>(value: T): T {
  for (const scope of scopes) scope.delete(value);
  return value;
}

/** Collects every scoped value reachable from a scope's result through arrays and objects. */
function collect(result: unknown, found: Set<ScopedValue>, depth = 0): void {
  if (result === null || typeof result !== 'object' || depth > 8) return;
  if (isScoped(result)) {
    found.add(result);
    return;
  }
  if (Array.isArray(result)) {
    for (const item of result) collect(item, found, depth + 1);
  } else if (result instanceof Map) {
    for (const item of result.values()) collect(item, found, depth + 1);
  } else if (Object.getPrototypeOf(result) === Object.prototype) {
    for (const item of Object.values(result)) collect(item, found, depth + 1);
  }
}

function isScoped(value: object): value is ScopedValue {
  return typeof (value as ScopedValue).dispose === 'function' && 'isDisposed' in value;
}

/**
 * Runs `fn` in a new scope and disposes every tensor created inside it, except those in the
 * result (a tensor, or arrays, maps and plain objects of them) and those passed to keep().
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<ScopedValue>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const value of scope) value.dispose();
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const value of scope) value.dispose();
    throw new TypeError(
      'tidy() takes a synchronous function: tensors would be freed before the promise settles. ' +
        'Await outside tidy() and wrap each synchronous step in its own tidy().',
    );
  }
  const returned = new Set<ScopedValue>();
  collect(result, returned);
  for (const value of scope) {
    if (returned.has(value)) track(value);
    else value.dispose();
  }
  return result;
}

/** The number of scopes open now; 0 outside every tidy(). */
export function scopeDepth(): number {
  return scopes.length;
}

/**
 * The base class of layers and models, as torch.nn.Module: named parameters, buffers and
 * submodules, train/eval mode, and a state dict whose keys are PyTorch's (`conv1.weight`,
 * `main.0.bias`), so weights move between aigc and PyTorch without renaming.
 */
import type { Device, DType } from '../engine/dtype.js';
import { native } from '../engine/native.js';
import { noGrad } from '../engine/ops.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

/** Raised by loadStateDict when keys or shapes do not match the module. */
export class StateDictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateDictError';
  }
}

export abstract class Module {
  /** True in training mode: dropout is active and batch norm uses batch statistics. */
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** Registers a trainable tensor under `name`; it outlives every scope and requires grad. */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    this.#checkName(name);
    keep(tensor).requiresGrad_(true);
    this.#parameters.set(name, tensor);
    return tensor;
  }

  /** Registers a tensor that is saved with the module but not trained (running statistics). */
  protected registerBuffer(name: string, tensor: Tensor): Tensor {
    this.#checkName(name);
    this.#buffers.set(name, keep(tensor));
    return tensor;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.#checkName(name);
    this.#children.set(name, module);
    return module;
  }

  #checkName(name: string): void {
    if (name === '' || name.includes('.')) {
      throw new TypeError(`module member name '${name}' must be non-empty and contain no '.'`);
    }
    if (this.#parameters.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new TypeError(`module member '${name}' is already registered`);
    }
  }

  *namedChildren(): Generator<[string, Module]> {
    yield* this.#children;
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.#children) {
      yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
    }
  }

  /**
   * Every parameter by dotted name. A tensor registered in two places (tied weights) appears
   * once, under its first name, as in PyTorch, so an optimizer never updates it twice.
   */
  *namedParameters(): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, tensor] of module.#parameters) {
        if (seen.has(tensor)) continue;
        seen.add(tensor);
        yield [prefix ? `${prefix}.${name}` : name, tensor];
      }
    }
  }

  *namedBuffers(): Generator<[string, Tensor]> {
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, tensor] of module.#buffers) {
        yield [prefix ? `${prefix}.${name}` : name, tensor];
      }
    }
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, tensor]) => tensor);
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, tensor]) => tensor);
  }

  /** The number of trainable elements. */
  parameterCount(): number {
    return this.parameters().reduce((sum, p) => sum + p.numel(), 0);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops the gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Every parameter and buffer by its dotted name, in PyTorch's order: each module's own
   * parameters, then its own buffers, then its children. A tied tensor appears once, under
   * its first name. The tensors are the live ones: clone them to keep a snapshot.
   */
  stateDict(): Map<string, Tensor> {
    const state = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    for (const [name, tensor] of this.#allStateEntries()) {
      if (seen.has(tensor)) continue;
      seen.add(tensor);
      state.set(name, tensor);
    }
    return state;
  }

  /** Every registered parameter and buffer name, tied duplicates included. */
  *#allStateEntries(): Generator<[string, Tensor]> {
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, tensor] of [...module.#parameters, ...module.#buffers]) {
        yield [prefix ? `${prefix}.${name}` : name, tensor];
      }
    }
  }

  /**
   * Copies tensors into this module's parameters and buffers. With `strict` (the default)
   * a missing or unexpected key is an error; a shape mismatch always is. Dtypes convert.
   */
  loadStateDict(state: Map<string, Tensor>, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    // PyTorch saves a tied tensor under each of its names; those extra names are not unexpected.
    const aliases = new Map(this.#allStateEntries());
    const missing = [...own.keys()].filter((key) => !state.has(key));
    const unexpected = [...state.keys()].filter((key) => !aliases.has(key));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      throw new StateDictError(
        `state dict does not match ${this.constructor.name}: ` +
          (missing.length ? `missing keys ${missing.join(', ')}` : '') +
          (missing.length && unexpected.length ? '; ' : '') +
          (unexpected.length ? `unexpected keys ${unexpected.join(', ')}` : '') +
          '. Load a checkpoint saved from the same model and configuration, or pass ' +
          '{ strict: false } to load the matching keys only.',
      );
    }
    const mismatched: string[] = [];
    for (const [key, target] of own) {
      const source = state.get(key);
      if (source && source.shape.join() !== target.shape.join()) {
        mismatched.push(`${key}: checkpoint [${source.shape}], model [${target.shape}]`);
      }
    }
    if (mismatched.length > 0) {
      throw new StateDictError(
        `state dict shapes do not match ${this.constructor.name}: ${mismatched.join('; ')}. ` +
          'Build the model with the configuration the checkpoint was saved with.',
      );
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const source = state.get(key);
        if (source) target.copy_(source);
      }
    });
  }

  /** Moves or converts every parameter and buffer in place; floating dtypes only convert. */
  to(target: Device | DType | { device?: Device; dtype?: DType }): this {
    const spec = typeof target === 'object' ? target : toSpec(target);
    noGrad(() => {
      for (const tensor of [...this.parameters(), ...this.buffers()]) {
        const isFloat = tensor.dtype.startsWith('float') || tensor.dtype === 'bfloat16';
        const converted = tensor.to({
          device: spec.device,
          dtype: isFloat ? spec.dtype : undefined,
        });
        native.setData(tensor.handle, converted.handle);
        converted.dispose();
      }
    });
    return this;
  }
}

function toSpec(target: Device | DType): { device?: Device; dtype?: DType } {
  return target === 'cpu' || target.startsWith('cuda')
    ? { device: target as Device }
    : { dtype: target as DType };
}

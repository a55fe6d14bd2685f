import type { Tensor } from '../../engine/tensor.js';
import { Module } from '../module.js';
import type { Layer } from './activation.js';

type LayerModule = Module & Layer;

/** Applies its layers in order; they are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: LayerModule[];

  constructor(...layers: LayerModule[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }

  forward(input: Tensor): Tensor {
    let x = input;
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}

/** A list of submodules named '0', '1', ..., for models that loop over blocks themselves. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];

  constructor(modules: M[]) {
    super();
    this.items = modules;
    modules.forEach((module, i) => this.registerModule(String(i), module));
  }

  get length(): number {
    return this.items.length;
  }

  at(index: number): M {
    const module = this.items.at(index);
    if (module === undefined) {
      throw new RangeError(`ModuleList: index ${index} is out of range for ${this.length} modules`);
    }
    return module;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}

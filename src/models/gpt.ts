/**
 * A GPT language model as in nanoGPT (https://github.com/karpathy/nanoGPT, model.py), which
 * follows GPT-2 (Radford et al., 2019). It has token and position embeddings, pre-LayerNorm
 * blocks of causal self-attention and a GELU MLP, and a final LayerNorm. The output layer shares
 * its weight with the token embedding. Parameter names are nanoGPT's (transformer.wte.weight,
 * transformer.h.0.attn.c_attn.weight, ...), so weights move between the two without renaming.
 *
 * Shapes: B batch, T tokens in this call, P tokens already in the key-value cache,
 * C = nEmbd channels, nh = nHead heads, hs = C / nh channels per head, V = vocabSize.
 *
 * libtorch 1.13 has no fused scaled-dot-product attention, so attention is a matmul, a
 * maskedFill of the future positions with -inf, a softmax and a second matmul.
 */
import { arange, ones } from '../engine/creation.js';
import type { Device } from '../engine/dtype.js';
import { cat } from '../engine/ops.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { gelu, linear } from '../nn/functional.js';
import { constantInit, normalInit } from '../nn/init.js';
import { Dropout, Embedding, LayerNorm, Linear, Module, ModuleList } from '../nn/index.js';
import type { DecodingState } from '../text/language-model.js';
import { checkConfig } from '../text/model-config.js';

export interface GptConfig {
  /** Tokens in the vocabulary (nanoGPT's vocab_size). */
  vocabSize: number;
  /** The context length: the most tokens the model attends over (block_size). */
  blockSize: number;
  /** Transformer blocks (n_layer). */
  nLayer: number;
  /** Attention heads per block (n_head); must divide nEmbd. */
  nHead: number;
  /** Channels of the residual stream (n_embd). */
  nEmbd: number;
  /** Dropout on embeddings, attention weights and residual branches during training. */
  dropout: number;
  /** Biases in the Linear and LayerNorm layers, as GPT-2 has. */
  bias: boolean;
}

/** Checks every field of a GPT configuration and that nHead divides nEmbd. */
export function validateGptConfig(config: unknown): GptConfig {
  const checked = checkConfig<GptConfig>('GPT', config, {
    vocabSize: 'positive integer',
    blockSize: 'positive integer',
    nLayer: 'positive integer',
    nHead: 'positive integer',
    nEmbd: 'positive integer',
    dropout: 'probability',
    bias: 'boolean',
  });
  if (checked.nEmbd % checked.nHead !== 0) {
    throw new RangeError(
      `GPT width ${checked.nEmbd} does not divide into ${checked.nHead} heads; choose a ` +
        'width that is a multiple of the head count',
    );
  }
  return checked;
}

/** GPT-2's initialisation: weights N(0, 0.02), zero biases. */
const INIT_STD = 0.02;

/** The keys and values of every layer for the tokens decoded so far, each [B, nh, P, hs]. */
export class KeyValueCache implements DecodingState {
  readonly keys: (Tensor | null)[];
  readonly values: (Tensor | null)[];
  length = 0;

  constructor(layers: number) {
    this.keys = new Array<Tensor | null>(layers).fill(null);
    this.values = new Array<Tensor | null>(layers).fill(null);
  }

  /** Appends one layer's new keys and values [B, nh, T, hs]; returns the whole [B, nh, P+T, hs]. */
  append(layer: number, keys: Tensor, values: Tensor): { keys: Tensor; values: Tensor } {
    const oldKeys = this.keys[layer] ?? null;
    const oldValues = this.values[layer] ?? null;
    const allKeys = keep(oldKeys ? cat([oldKeys, keys], 2) : keys.contiguous()); // [B, nh, P+T, hs]
    const allValues = keep(oldValues ? cat([oldValues, values], 2) : values.contiguous());
    oldKeys?.dispose();
    oldValues?.dispose();
    this.keys[layer] = allKeys;
    this.values[layer] = allValues;
    return { keys: allKeys, values: allValues };
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(null);
    this.values.fill(null);
  }
}

/** Masks of the key positions each query must not attend to: true above the diagonal. */
class FutureMask {
  readonly #masks = new Map<Device, Tensor>();

  constructor(readonly size: number) {}

  /** [T, P+T]: row i is query P+i, and true marks keys after it. */
  get(device: Device, past: number, length: number): Tensor {
    let mask = this.#masks.get(device);
    if (mask === undefined) {
      // The complement of nanoGPT's tril `bias` buffer, kept out of the state dict.
      mask = keep(tidy(() => ones([this.size, this.size], { dtype: 'bool', device }).triu(1)));
      this.#masks.set(device, mask);
    }
    return mask.narrow(0, past, length).narrow(1, 0, past + length);
  }
}

class CausalSelfAttention extends Module {
  readonly c_attn: Linear;
  readonly c_proj: Linear;
  readonly attn_dropout: Dropout;
  readonly resid_dropout: Dropout;

  constructor(
    readonly config: GptConfig,
    readonly futureMask: FutureMask,
  ) {
    super();
    const { nEmbd, bias, dropout } = config;
    this.c_attn = this.registerModule('c_attn', new Linear(nEmbd, 3 * nEmbd, { bias }));
    this.c_proj = this.registerModule('c_proj', new Linear(nEmbd, nEmbd, { bias }));
    this.attn_dropout = this.registerModule('attn_dropout', new Dropout(dropout));
    this.resid_dropout = this.registerModule('resid_dropout', new Dropout(dropout));
  }

  /** x [B, T, C] -> [B, T, C]; with a cache, the T queries also attend to the P cached keys. */
  forward(x: Tensor, cache?: { cache: KeyValueCache; layer: number }): Tensor {
    const [B, T, C] = x.shape as [number, number, number];
    const nh = this.config.nHead;
    const hs = C / nh;
    const [q, k, v] = this.c_attn.forward(x).split(C, 2) as [Tensor, Tensor, Tensor]; // [B, T, C]
    const query = q.view(B, T, nh, hs).transpose(1, 2); // [B, nh, T, hs]
    let keys = k.view(B, T, nh, hs).transpose(1, 2); // [B, nh, T, hs]
    let values = v.view(B, T, nh, hs).transpose(1, 2); // [B, nh, T, hs]
    const past = cache?.cache.length ?? 0;
    if (cache) {
      ({ keys, values } = cache.cache.append(cache.layer, keys, values)); // [B, nh, P+T, hs]
    }

    let att = query.matmul(keys.transpose(-2, -1)).mul(1 / Math.sqrt(hs)); // [B, nh, T, P+T]
    // A single new query may attend to every cached key, so it needs no mask.
    if (T > 1) att = att.maskedFill(this.futureMask.get(x.device, past, T), -Infinity);
    att = this.attn_dropout.forward(att.softmax(-1));
    const y = att.matmul(values); // [B, nh, T, hs]
    const merged = y.transpose(1, 2).contiguous().view(B, T, C); // [B, T, C]
    return this.resid_dropout.forward(this.c_proj.forward(merged));
  }
}

class Mlp extends Module {
  readonly c_fc: Linear;
  readonly c_proj: Linear;
  readonly dropout: Dropout;

  constructor(config: GptConfig) {
    super();
    const { nEmbd, bias } = config;
    this.c_fc = this.registerModule('c_fc', new Linear(nEmbd, 4 * nEmbd, { bias }));
    this.c_proj = this.registerModule('c_proj', new Linear(4 * nEmbd, nEmbd, { bias }));
    this.dropout = this.registerModule('dropout', new Dropout(config.dropout));
  }

  /** [B, T, C] -> [B, T, 4C] -> [B, T, C] */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x))));
  }
}

class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: Mlp;

  constructor(config: GptConfig, futureMask: FutureMask) {
    super();
    const norm = () => new LayerNorm(config.nEmbd, { bias: config.bias });
    this.ln_1 = this.registerModule('ln_1', norm());
    this.attn = this.registerModule('attn', new CausalSelfAttention(config, futureMask));
    this.ln_2 = this.registerModule('ln_2', norm());
    this.mlp = this.registerModule('mlp', new Mlp(config));
  }

  forward(x: Tensor, cache?: { cache: KeyValueCache; layer: number }): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x), cache));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

/** nanoGPT's `transformer` ModuleDict: wte, wpe, drop, h, ln_f. */
class Transformer extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly ln_f: LayerNorm;

  constructor(config: GptConfig) {
    super();
    const futureMask = new FutureMask(config.blockSize);
    this.wte = this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd));
    this.wpe = this.registerModule('wpe', new Embedding(config.blockSize, config.nEmbd));
    this.drop = this.registerModule('drop', new Dropout(config.dropout));
    const blocks = Array.from({ length: config.nLayer }, () => new Block(config, futureMask));
    this.h = this.registerModule('h', new ModuleList(blocks));
    this.ln_f = this.registerModule('ln_f', new LayerNorm(config.nEmbd, { bias: config.bias }));
  }
}

/** The output layer, whose weight is the token embedding's (weight tying, as in GPT-2). */
class TiedLmHead extends Module {
  constructor(readonly weight: Tensor) {
    super();
    this.registerParameter('weight', weight);
  }

  /** [B, T, C] -> [B, T, V] */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight);
  }
}

export class GPT extends Module {
  readonly kind = 'gpt';
  readonly transformer: Transformer;
  readonly lm_head: TiedLmHead;

  constructor(readonly config: GptConfig) {
    super();
    this.transformer = this.registerModule('transformer', new Transformer(config));
    this.lm_head = this.registerModule('lm_head', new TiedLmHead(this.transformer.wte.weight));
    this.#initWeights();
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get contextLength(): number {
    return this.config.blockSize;
  }

  /**
   * GPT-2's initialisation: every Linear and Embedding weight N(0, 0.02), zero biases, and the
   * projections back into the residual stream (c_proj) N(0, 0.02 / sqrt(2 * nLayer)), because
   * each block adds two residual branches.
   */
  #initWeights(): void {
    const residualStd = INIT_STD / Math.sqrt(2 * this.config.nLayer);
    for (const [name, module] of this.namedModules()) {
      if (module instanceof Linear) {
        normalInit(module.weight, 0, name.endsWith('c_proj') ? residualStd : INIT_STD);
        if (module.bias) constantInit(module.bias, 0);
      } else if (module instanceof Embedding) normalInit(module.weight, 0, INIT_STD);
    }
  }

  /** int64 tokens [B, T] -> logits [B, T, V]. */
  forward(tokens: Tensor): Tensor {
    return this.#run(tokens, null);
  }

  /** Decodes `tokens` [B, T] after the P tokens in `state`; returns logits [B, T, V]. */
  step(tokens: Tensor, state: DecodingState | null): { logits: Tensor; state: KeyValueCache } {
    const cache = (state as KeyValueCache | null) ?? new KeyValueCache(this.config.nLayer);
    const logits = this.#run(tokens, cache);
    cache.length += tokens.size(1);
    return { logits, state: cache };
  }

  #run(tokens: Tensor, cache: KeyValueCache | null): Tensor {
    const T = tokens.size(1);
    const past = cache?.length ?? 0;
    if (past + T > this.config.blockSize) {
      throw new RangeError(
        `GPT: ${past + T} tokens exceed the context length of ${this.config.blockSize}; ` +
          'pass at most that many (the sampler keeps only the most recent ones)',
      );
    }
    const { wte, wpe, drop, h, ln_f } = this.transformer;
    const positions = arange(past, past + T, 1, { device: tokens.device }); // [T]
    let x = drop.forward(wte.forward(tokens).add(wpe.forward(positions))); // [B, T, C]
    h.items.forEach((block, layer) => {
      x = block.forward(x, cache ? { cache, layer } : undefined);
    });
    return this.lm_head.forward(ln_f.forward(x)); // [B, T, V]
  }
}

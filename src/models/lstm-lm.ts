/**
 * An LSTM language model in the layout of PyTorch's word_language_model example
 * (https://github.com/pytorch/examples/tree/main/word_language_model, model.py): an embedding
 * (`encoder`), dropout, a stacked LSTM running as libtorch's fused op (`rnn`), dropout, and a
 * Linear layer to the vocabulary (`decoder`). State-dict keys are that example's: encoder.weight,
 * rnn.weight_ih_l0, ..., decoder.weight, decoder.bias.
 *
 * Shapes: B batch, T tokens, E = embeddingDim, H = hiddenSize, L = numLayers, V = vocabSize.
 */
import { uniformInit, constantInit } from '../nn/init.js';
import { Dropout, Embedding, Linear, LSTM, Module } from '../nn/index.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import type { DecodingState } from '../text/language-model.js';
import { checkConfig } from '../text/model-config.js';

export interface LstmLmConfig {
  /** Tokens in the vocabulary. */
  vocabSize: number;
  /** Size of each token's embedding. */
  embeddingDim: number;
  /** Hidden (and cell) state size of every LSTM layer. */
  hiddenSize: number;
  /** Stacked LSTM layers. */
  numLayers: number;
  /** Dropout on the embeddings, between LSTM layers and on the outputs during training. */
  dropout: number;
}

export function validateLstmLmConfig(config: unknown): LstmLmConfig {
  return checkConfig<LstmLmConfig>('LSTM', config, {
    vocabSize: 'positive integer',
    embeddingDim: 'positive integer',
    hiddenSize: 'positive integer',
    numLayers: 'positive integer',
    dropout: 'probability',
  });
}

/** The example's initialisation range for the embedding and the output weight. */
const INIT_RANGE = 0.1;

/** The hidden and cell states after the tokens decoded so far, each [L, B, H]. */
export class LstmState implements DecodingState {
  constructor(
    public h: Tensor,
    public c: Tensor,
    public length: number,
  ) {}

  /** Takes the new states, which must outlive the caller's scope, and frees the old ones. */
  replace(h: Tensor, c: Tensor, tokens: number): void {
    this.h.dispose();
    this.c.dispose();
    this.h = keep(h);
    this.c = keep(c);
    this.length += tokens;
  }

  dispose(): void {
    this.h.dispose();
    this.c.dispose();
  }
}

export class LstmLanguageModel extends Module {
  readonly kind = 'lstm';
  /** An LSTM carries its state forward, so decoding has no length limit. */
  readonly contextLength = Infinity;
  readonly encoder: Embedding;
  readonly drop: Dropout;
  readonly rnn: LSTM;
  readonly decoder: Linear;

  constructor(readonly config: LstmLmConfig) {
    super();
    const { vocabSize, embeddingDim, hiddenSize, numLayers, dropout } = config;
    this.encoder = this.registerModule('encoder', new Embedding(vocabSize, embeddingDim));
    this.drop = this.registerModule('drop', new Dropout(dropout));
    this.rnn = this.registerModule(
      'rnn',
      new LSTM(embeddingDim, hiddenSize, { numLayers, dropout, batchFirst: true }),
    );
    this.decoder = this.registerModule('decoder', new Linear(hiddenSize, vocabSize));
    uniformInit(this.encoder.weight, -INIT_RANGE, INIT_RANGE);
    uniformInit(this.decoder.weight, -INIT_RANGE, INIT_RANGE);
    constantInit(this.decoder.bias!, 0);
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  /** int64 tokens [B, T] -> logits [B, T, V], starting from zero states. */
  forward(tokens: Tensor): Tensor {
    return this.#run(tokens).logits;
  }

  /** Runs `tokens` [B, T] from the states in `state`; returns logits [B, T, V]. */
  step(tokens: Tensor, state: DecodingState | null): { logits: Tensor; state: LstmState } {
    const previous = state as LstmState | null;
    const { logits, h, c } = this.#run(tokens, previous);
    if (previous === null)
      return { logits, state: new LstmState(keep(h), keep(c), tokens.size(1)) };
    previous.replace(h, c, tokens.size(1));
    return { logits, state: previous };
  }

  #run(tokens: Tensor, state: LstmState | null = null) {
    const embedded = this.drop.forward(this.encoder.forward(tokens)); // [B, T, E]
    const initial: [Tensor, Tensor] | undefined = state ? [state.h, state.c] : undefined;
    const { output, h, c } = this.rnn.forward(embedded, initial); // [B, T, H], [L, B, H] x 2
    const logits = this.decoder.forward(this.drop.forward(output)); // [B, T, V]
    return { logits, h, c };
  }
}

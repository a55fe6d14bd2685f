/**
 * The contract that both text models (GPT and the LSTM) fulfil for training and sampling, and
 * the factory that builds one from the configuration stored in a checkpoint.
 */
import type { Tensor } from '../engine/tensor.js';
import { GPT, type GptConfig, validateGptConfig } from '../models/gpt.js';
import { LstmLanguageModel, type LstmLmConfig, validateLstmLmConfig } from '../models/lstm-lm.js';
import type { Module } from '../nn/module.js';

export const LANGUAGE_MODEL_KINDS = ['gpt', 'lstm'] as const;

export type LanguageModelKind = (typeof LANGUAGE_MODEL_KINDS)[number];

/**
 * The state a model keeps between decoding steps: the keys and values of every layer (GPT), or the
 * hidden and cell states (LSTM). Its tensors outlive every scope until dispose().
 */
export interface DecodingState {
  /** Tokens consumed so far. */
  readonly length: number;
  dispose(): void;
}

export interface LanguageModelApi {
  readonly kind: LanguageModelKind;
  readonly config: GptConfig | LstmLmConfig;
  readonly vocabSize: number;
  /** The maximum number of tokens in one forward pass or decoding state; Infinity for the LSTM. */
  readonly contextLength: number;
  /** int64 tokens [B, T] -> logits [B, T, vocabSize], every position predicting the next. */
  forward(tokens: Tensor): Tensor;
  /**
   * Feeds `tokens` [B, T] after those already in `state` (null: none), and returns their
   * logits [B, T, vocabSize]. The state is updated in place, or created, and returned.
   */
  step(tokens: Tensor, state: DecodingState | null): { logits: Tensor; state: DecodingState };
}

export type LanguageModel = Module & LanguageModelApi;

/** Builds an untrained model of `kind`; the configuration is validated first. */
export function createLanguageModel(kind: LanguageModelKind, config: unknown): LanguageModel {
  if (kind === 'gpt') return new GPT(validateGptConfig(config));
  return new LstmLanguageModel(validateLstmLmConfig(config));
}

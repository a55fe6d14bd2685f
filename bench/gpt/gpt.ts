/**
 * Times aigc's GPT: training steps as `aigc train gpt` runs them (LanguageModelTrainer.step on
 * random tokens), and generation with the key-value cache through generateText(). Prints one
 * JSON line in the format of gpt_torch.py, its PyTorch peer.
 *
 * Usage: node dist/bench/gpt/gpt.js [--steps 20] [--warmup 3] [--batch-size 16] [--context 128]
 *        [--layers 4] [--heads 4] [--width 128] [--vocab 2048] [--new-tokens 112]
 */
import { parseArgs } from 'node:util';

import { config, manualSeed } from '../../src/index.js';
import { GPT } from '../../src/models/gpt.js';
import { DEFAULT_SAMPLING_OPTIONS, generateText } from '../../src/sample/text.js';
import { CharTokenizer } from '../../src/text/tokenizer-char.js';
import {
  DEFAULT_TEXT_TRAIN_SETTINGS,
  LanguageModelTrainer,
  type TextTrainSettings,
} from '../../src/train/language-model.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '16' },
    context: { type: 'string', default: '128' },
    layers: { type: 'string', default: '4' },
    heads: { type: 'string', default: '4' },
    width: { type: 'string', default: '128' },
    vocab: { type: 'string', default: '2048' },
    'new-tokens': { type: 'string', default: '112' },
  },
});
const [steps, warmup, batchSize, context, layers, heads, width, vocab, newTokens] = [
  values.steps,
  values.warmup,
  values['batch-size'],
  values.context,
  values.layers,
  values.heads,
  values.width,
  values.vocab,
  values['new-tokens'],
].map(Number) as [number, number, number, number, number, number, number, number, number];

manualSeed(1);
const model = new GPT({
  vocabSize: vocab,
  blockSize: context,
  nLayer: layers,
  nHead: heads,
  nEmbd: width,
  dropout: 0.1,
  bias: true,
});
const tokens = Int32Array.from({ length: 100_000 }, (_, i) => (i * 7919) % vocab);
const settings: TextTrainSettings = {
  ...DEFAULT_TEXT_TRAIN_SETTINGS.gpt,
  data: 'random',
  out: '',
  minLr: 1e-4,
  batchSize,
  context,
};
const data = {
  corpus: { source: 'random', files: [], documentCount: 1, text: '' },
  tokenizer: new CharTokenizer(['a']),
  trainTokens: tokens,
  validTokens: tokens.subarray(0, 1000),
  validCharacters: 1000,
  fingerprint: '',
};
const trainer = new LanguageModelTrainer(model, data, settings, warmup + steps);
for (let i = 0; i < warmup; i++) trainer.step(i);
let start = performance.now();
for (let i = warmup; i < warmup + steps; i++) trainer.step(i);
const trainSeconds = (performance.now() - start) / 1000;
trainer.dispose();

// Generation: batch 1, a 16-token prompt, sampling with temperature 1 and top-k 40.
const tokenizer = new CharTokenizer(
  Array.from({ length: vocab }, (_, i) => String.fromCodePoint(0x4e00 + i)),
);
const prompt = tokenizer.decode(tokens.subarray(0, 16));
const sampling = {
  ...DEFAULT_SAMPLING_OPTIONS,
  maxNewTokens: newTokens,
  temperature: 1,
  topK: 40,
};
generateText(model, tokenizer, prompt, { ...sampling, maxNewTokens: 8 });
start = performance.now();
const [sample] = generateText(model, tokenizer, prompt, sampling);
const generateSeconds = (performance.now() - start) / 1000;

const linked = config();
console.log(
  JSON.stringify({
    peer: 'aigc',
    torch: linked.torchVersion,
    threads: linked.threads,
    openblas_threads: process.env.OPENBLAS_NUM_THREADS,
    parameters: model.parameterCount(),
    batch_size: batchSize,
    context,
    steps,
    train_tokens_per_second: (steps * batchSize * context) / trainSeconds,
    ms_per_step: (trainSeconds / steps) * 1000,
    new_tokens: sample!.tokens,
    generate_tokens_per_second: sample!.tokens / generateSeconds,
  }),
);

// Measures how well generated Chinese poems keep the five- or seven-character line form.
// Generates --samples poems from a checkpoint, splits each at Chinese punctuation (，。？！；)
// and line breaks, and prints the share of half-lines with 5 or 7 characters. A half-line that
// a sample's token limit cut off (the text after its last break) is not counted. With --corpus,
// it also counts the counted half-lines that occur word for word in that built-in corpus, a
// measure of copying.
//
// Usage: node bench/gpt/poem-form.mjs --checkpoint runs/poems-gpt [--samples 20] [--prompt TEXT]
//        [--max-tokens 64] [--temperature 0.8] [--top-k 40] [--seed 0] [--show 3]
//        [--corpus tang-poems]
// Needs `npm run build`.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { generateText, loadLanguageModel, DEFAULT_SAMPLING_OPTIONS } = await import(
  join(root, 'dist/src/sample/text.js')
);
const { resolveCheckpoint } = await import(join(root, 'dist/src/train/run-folder.js'));
const { loadFortuneDataset } = await import(join(root, 'dist/src/text/fortunes.js'));

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    samples: { type: 'string', default: '20' },
    prompt: { type: 'string', default: '' },
    'max-tokens': { type: 'string', default: '64' },
    temperature: { type: 'string', default: '0.8' },
    'top-k': { type: 'string', default: '40' },
    seed: { type: 'string', default: '0' },
    show: { type: 'string', default: '3' },
    corpus: { type: 'string' },
  },
});
if (values.checkpoint === undefined) {
  console.error('usage: node bench/gpt/poem-form.mjs --checkpoint RUN_OR_FILE [--samples 20]');
  process.exit(2);
}

const BREAKS = /[，。？！；\n]/;
const path = resolveCheckpoint(values.checkpoint);
const { model, tokenizer } = loadLanguageModel(path);
const samples = generateText(model, tokenizer, values.prompt, {
  ...DEFAULT_SAMPLING_OPTIONS,
  maxNewTokens: Number(values['max-tokens']),
  temperature: Number(values.temperature),
  topK: Number(values['top-k']),
  stop: ['\n\n'],
  seed: Number(values.seed),
  numSamples: Number(values.samples),
});

const corpusHalves = new Set();
if (values.corpus !== undefined) {
  const { documents } = await loadFortuneDataset(values.corpus);
  for (const document of documents) {
    for (const half of document.split(BREAKS)) corpusHalves.add(half.trim());
  }
}

const lengths = new Map();
let counted = 0;
let regular = 0;
let copied = 0;
for (const sample of samples) {
  const text = values.prompt + sample.text;
  const halves = text.split(BREAKS);
  // Without a stop, the text after the last break may be an unfinished half-line.
  if (sample.finishReason === 'length') halves.pop();
  for (const half of halves.filter((h) => h.trim() !== '')) {
    const length = [...half].length;
    lengths.set(length, (lengths.get(length) ?? 0) + 1);
    counted++;
    if (length === 5 || length === 7) regular++;
    if (corpusHalves.has(half.trim())) copied++;
  }
}

for (const sample of samples.slice(0, Number(values.show))) {
  console.log(`${values.prompt}${sample.text}\n`);
}
const histogram = [...lengths].sort((a, b) => a[0] - b[0]).map(([l, n]) => `${l}:${n}`);
console.log(`checkpoint: ${path}`);
console.log(`half-line lengths (characters:count): ${histogram.join(' ')}`);
console.log(
  `five- or seven-character half-lines: ${regular} of ${counted} ` +
    `(${((100 * regular) / Math.max(1, counted)).toFixed(1)}%) over ${samples.length} samples`,
);
if (values.corpus !== undefined) {
  console.log(
    `half-lines found word for word in ${values.corpus}: ${copied} of ${counted} ` +
      `(${((100 * copied) / Math.max(1, counted)).toFixed(1)}%)`,
  );
}

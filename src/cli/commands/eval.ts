/** `aigc eval`: image metrics for image models and data, perplexity for language models. */
import { type OptionSpecs, UsageError } from '../args.js';
import { checkpointKind, TEXT_KINDS } from '../checkpoint-arg.js';
import { EVAL_HELP, EVAL_OPTIONS, evalImagesCommand } from './eval-images.js';
import { EVAL_TEXT_HELP, EVAL_TEXT_OPTIONS, evalTextCommand } from './text.js';

export async function evalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${EVAL_HELP}\n\nFor language models (gpt, lstm):\n\n${EVAL_TEXT_HELP}`);
    return 0;
  }
  const target = checkpointKind(argv);
  if (target !== null && TEXT_KINDS.includes(target.kind)) {
    const foreign = foreignOptions(argv, EVAL_TEXT_OPTIONS, EVAL_OPTIONS);
    if (foreign.length > 0) {
      throw new UsageError(
        `${foreign.join(', ')} ${applies(foreign)} to image models, but ${target.path} contains a ` +
          `${target.kind} language model, which 'aigc eval' measures by perplexity; run ` +
          "'aigc eval --help' for its options",
      );
    }
    return evalTextCommand(target.path, argv);
  }
  if (target !== null) {
    const foreign = foreignOptions(argv, EVAL_OPTIONS, EVAL_TEXT_OPTIONS);
    if (foreign.length > 0) {
      throw new UsageError(
        `${foreign.join(', ')} ${applies(foreign)} to language models, but ${target.path} contains ` +
          `a ${target.kind} image model; run 'aigc eval --help' for its options`,
      );
    }
  }
  return evalImagesCommand(argv);
}

/** Returns the options in argv that `other` accepts and `own` does not, as `--name`. */
function foreignOptions(argv: readonly string[], own: OptionSpecs, other: OptionSpecs): string[] {
  const names = argv
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => arg.slice(2).split('=')[0]!)
    .filter((name) => name in other && !(name in own));
  return [...new Set(names)].map((name) => `--${name}`);
}

/** Returns the verb phrase that agrees with the number of options. */
function applies(options: readonly string[]): string {
  return options.length === 1 ? 'only applies' : 'only apply';
}

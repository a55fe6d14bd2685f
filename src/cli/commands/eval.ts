/** `aigc eval`: image metrics for image models and data, perplexity for language models. */
import { checkpointKind, TEXT_KINDS } from '../checkpoint-arg.js';
import { EVAL_HELP, evalImagesCommand } from './eval-images.js';
import { EVAL_TEXT_HELP, evalTextCommand } from './text.js';

export async function evalCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${EVAL_HELP}\n\nFor language models (gpt, lstm):\n\n${EVAL_TEXT_HELP}`);
    return 0;
  }
  const target = checkpointKind(argv);
  if (target !== null && TEXT_KINDS.includes(target.kind)) {
    return evalTextCommand(target.path, argv);
  }
  return evalImagesCommand(argv);
}

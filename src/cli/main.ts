#!/usr/bin/env node
/** The `aigc` command line. */
import { UsageError } from './args.js';
import { generateCommand } from './commands/generate.js';
import { trainCommand } from './commands/train.js';
import { exitStatusOf } from './exit-status.js';

const HELP = `aigc: train and sample generative models on your own data, on libtorch

Usage: aigc COMMAND [options]

Commands:
  train MODEL   train a model (dcgan, gpt, lstm, classifier) and write a run folder
  generate      draw images or text from a checkpoint
  eval          measure a checkpoint: FID, KID and more for images, perplexity for text
  demo          train DCGAN on Fashion-MNIST for a few minutes and write a sample grid
  info          print the linked libtorch, threads and devices

Run 'aigc COMMAND --help' for a command's options, and 'aigc --version' for the version.
Environment: AIGC_HOME (cache folder, default ~/.cache/aigc), AIGC_NUM_THREADS (intra-op
threads, default: one per core), NO_COLOR, AIGC_DEBUG=1 (print stack traces).
Exit status: 0 done, 1 failed, 2 invalid command or option, 3 invalid or missing input
(data, images, checkpoint or run folder), 130 interrupted by Ctrl-C (training saves a
checkpoint first).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(HELP);
      return command === undefined ? 2 : 0;
    case '--version':
    case '-V': {
      const { readFileSync } = await import('node:fs');
      const packageJson = new URL('../../../package.json', import.meta.url);
      const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
      console.log(`aigc ${version}`);
      return 0;
    }
    case 'train':
      return trainCommand(rest);
    case 'generate':
      return generateCommand(rest);
    case 'eval': {
      const { evalCommand } = await import('./commands/eval.js');
      return evalCommand(rest);
    }
    case 'demo': {
      const { demoCommand } = await import('./commands/demo.js');
      return demoCommand(rest);
    }
    case 'info': {
      const { infoCommand } = await import('./commands/info.js');
      return infoCommand(rest);
    }
    default:
      throw new UsageError(`unknown command '${command}'; run 'aigc --help' for the list`);
  }
}

// A reader that closes the pipe early, such as `aigc generate ... | head`, is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`aigc: error: ${message}\n`);
    if (process.env.AIGC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitStatusOf(error);
  },
);

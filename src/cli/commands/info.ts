/** `aigc info`: what the native engine was built against and how it will run. */
import { config, cudaAvailable } from '../../engine/runtime.js';
import { native } from '../../engine/native.js';
import { formatOptions, type OptionSpecs, parseOptions } from '../args.js';

const INFO_OPTIONS: OptionSpecs = {
  json: { type: 'boolean', help: 'print one JSON object instead of text' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const INFO_HELP = `Usage: aigc info [options]

Prints the linked libtorch version, the thread settings, the BLAS library and the devices.

Options:
${formatOptions(INFO_OPTIONS)}`;

export function infoCommand(argv: string[]): number {
  const { values } = parseOptions(argv, INFO_OPTIONS);
  if (values.help) {
    console.log(INFO_HELP);
    return 0;
  }
  const linked = config();
  const cudaDevices = cudaAvailable() ? native.cudaDeviceCount() : 0;
  if (values.json) {
    console.log(JSON.stringify({ ...linked, cudaDevices }, null, 2));
    return 0;
  }
  const backend = /ATen parallel backend: (.+)/.exec(linked.parallelInfo)?.[1] ?? 'unknown';
  const devices = cudaDevices > 0 ? `cpu, cuda (${cudaDevices} device(s))` : 'cpu';
  const cudaBuild = linked.cuda ? 'yes' : 'no';
  console.log(`libtorch         ${linked.torchVersion} (built with CUDA: ${cudaBuild})`);
  console.log(`devices          ${devices}`);
  console.log(`intra-op threads ${linked.threads} (set AIGC_NUM_THREADS to change)`);
  console.log(`inter-op threads ${linked.interopThreads}`);
  console.log(`parallel backend ${backend}`);
  console.log(
    `BLAS             ${linked.openblas ? `OpenBLAS, ${process.env.OPENBLAS_NUM_THREADS ?? '?'} thread(s)` : 'not OpenBLAS'}`,
  );
  return 0;
}

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { DEBIAN_FASHION_MNIST_DIR, loadDataset } from '../../src/data/datasets.js';
import { downloadVerified, md5Hex } from '../../src/data/download.js';
import { DownloadError } from '../../src/data/errors.js';
import { closedPortUrl, makeTempDir, startServer } from './helpers.js';

const temp = makeTempDir();
after(temp.remove);

const GOOD = Buffer.from('the expected file content\n');
const FILE = { name: 'sample.bin', md5: md5Hex(GOOD) };
const quiet = () => {};

/** Serves GOOD under /good/, other bytes under /bad/, and 404 elsewhere. */
async function startMirrors() {
  return startServer((request, response) => {
    if (request.url?.startsWith('/good/')) response.end(GOOD);
    else if (request.url?.startsWith('/bad/')) response.end('tampered content\n');
    else response.writeHead(404).end();
  });
}

describe('downloadVerified', () => {
  let mirrors: Awaited<ReturnType<typeof startMirrors>>;
  before(async () => {
    mirrors = await startMirrors();
  });
  after(() => mirrors.close());

  test('good mirror', async () => {
    const destination = join(temp.dir, 'good', FILE.name);
    await downloadVerified(FILE, destination, { mirrors: [`${mirrors.url}/good/`], log: quiet });
    assert.deepEqual(readFileSync(destination), GOOD);
    assert.deepEqual(readdirSync(join(temp.dir, 'good')), [FILE.name]);
  });

  test('wrong checksum, then a good mirror', async () => {
    const destination = join(temp.dir, 'second', FILE.name);
    const lines: string[] = [];
    const list = [`${mirrors.url}/bad`, `${mirrors.url}/good`];
    await downloadVerified(FILE, destination, { mirrors: list, log: (m) => lines.push(m) });
    assert.deepEqual(readFileSync(destination), GOOD);
    assert.ok(mirrors.requests.includes('/bad/sample.bin'));
    assert.ok(
      lines.some((line) => /bad\/sample\.bin failed: MD5 mismatch/.test(line)),
      lines.join('\n'),
    );
  });

  test('wrong checksum everywhere names file and both sums', async () => {
    const destination = join(temp.dir, 'mismatch', FILE.name);
    const actual = md5Hex(Buffer.from('tampered content\n'));
    await assert.rejects(
      downloadVerified(FILE, destination, {
        mirrors: [`${mirrors.url}/bad/`, `${mirrors.url}/missing/`],
        log: quiet,
      }),
      (error: unknown) => {
        assert.ok(error instanceof DownloadError);
        assert.match(error.message, /^checksum mismatch for sample\.bin/);
        assert.ok(error.message.includes(`expected MD5 ${FILE.md5}, got ${actual}`), error.message);
        assert.match(error.message, /missing\/sample\.bin: HTTP 404/);
        return true;
      },
    );
    assert.equal(existsSync(destination), false);
    assert.deepEqual(readdirSync(join(temp.dir, 'mismatch')), []);
  });
});

describe('loadDataset downloads', () => {
  test('every mirror down gives the offline message', async () => {
    const down = [await closedPortUrl(), await closedPortUrl()];
    await assert.rejects(
      loadDataset('mnist', { cacheDir: temp.dir, mirrors: { mnist: down }, log: quiet }),
      (error: unknown) => {
        assert.ok(error instanceof DownloadError);
        const message = error.message;
        assert.match(
          message,
          /^cannot download mnist file train-images-idx3-ubyte\.gz: every mirror failed/,
        );
        assert.ok(message.includes(`${down[0]}/train-images-idx3-ubyte.gz: fetch failed`), message);
        assert.match(message, /ECONNREFUSED/);
        assert.match(message, /use --data fashion-mnist/);
        assert.match(message, /--data PATH/);
        return true;
      },
    );
  });

  const debianPresent = existsSync(join(DEBIAN_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));
  test(
    'fashion-mnist from a mirror, checked with the published MD5s',
    { skip: debianPresent ? false : `${DEBIAN_FASHION_MNIST_DIR} is absent` },
    async () => {
      const server = await startServer((request, response) => {
        const name = (request.url ?? '').replace('/fashion/', '');
        const mtime = UPSTREAM_MTIMES[name];
        if (mtime === undefined) response.writeHead(404).end();
        else response.end(upstreamGzip(name, mtime));
      });
      try {
        const options = {
          split: 'test' as const,
          cacheDir: temp.dir,
          debianFashionMnistDir: join(temp.dir, 'no-debian-files'),
          mirrors: { 'fashion-mnist': [`${server.url}/fashion/`] },
          log: quiet,
        };
        const set = await loadDataset('fashion-mnist', options);
        assert.equal(set.count, 10000);
        assert.equal(set.classNames?.[9], 'Ankle boot');
        assert.equal(server.requests.length, 2);

        await loadDataset('fashion-mnist', options);
        assert.equal(server.requests.length, 2, 'cached files with a valid MD5 are not fetched');
      } finally {
        await server.close();
      }
    },
  );
});

// Debian's dataset-fashion-mnist package keeps upstream's deflate streams but rewrites the gzip
// headers (no file name, another mtime). Restoring upstream's header reproduces the published
// files byte for byte, which lets this test check the real MD5s without a network.
const UPSTREAM_MTIMES: Record<string, number> = {
  't10k-images-idx3-ubyte.gz': 1504176627,
  't10k-labels-idx1-ubyte.gz': 1504176627,
};

function upstreamGzip(name: string, mtime: number): Buffer {
  const debian = readFileSync(join(DEBIAN_FASHION_MNIST_DIR, name));
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0x00, 0x03]); // FNAME flag
  header.writeUInt32LE(mtime, 4);
  const fileName = Buffer.from(`${name.replace(/\.gz$/, '')}\0`, 'latin1');
  return Buffer.concat([header, fileName, debian.subarray(10)]);
}

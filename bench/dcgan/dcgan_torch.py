"""The DCGAN of the TensorFlow tutorial in PyTorch: the peer that aigc's DCGAN is measured against.

Same layers, initialisation, losses and update as src/models/dcgan.ts and src/train/dcgan.ts:
one generator forward, two discriminator forwards (real and generated) and one gradient per
network from the same graph, then one Adam step each (lr 1e-4, beta1 0.9, eps 1e-7 by default).

Timing mode (the default) trains on one batch of random pixels and times the steps after a
warm-up:

    /usr/bin/python3 bench/dcgan/dcgan_torch.py --steps 20 --batch-size 256 --threads 2

It prints one JSON line: images per second, milliseconds per step, and the settings used.

Training mode (--data DIR) trains on train-images-idx3-ubyte.gz in DIR, shuffled every epoch
by torch.randperm seeded from --seed (so the order differs from aigc's). Batches follow that
order, and a last short batch is kept unless it contains a single image, as aigc does.
--warmup is not used. Progress goes to stderr every 200 steps. --epochs N sets --steps to N
passes over the data. With --checkpoint-dir DIR the run writes DIR/epoch-NNNN.pt after every
epoch (networks, optimizers and random states, written to a temporary file and renamed), and
--resume continues from the newest one, so a run of many hours survives a stop. Resuming
from a checkpoint that already has the requested steps trains nothing and only writes the
samples, which scores a saved epoch:

    /usr/bin/python3 bench/dcgan/dcgan_torch.py --data /usr/share/datasets/fashion-mnist \
        --epochs 50 --checkpoint-dir /tmp/torch-dcgan --resume --threads 2
With --samples N and --samples-out FILE it then writes N images from the generator in eval
mode as an uncompressed IDX file that `aigc eval --images FILE` reads:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/dcgan/dcgan_torch.py \
        --data /usr/share/datasets/fashion-mnist --steps 1823 --batch-size 64 \
        --lr 2e-4 --beta1 0.5 --seed 1 --threads 2 \
        --samples 10000 --samples-out /tmp/torch-dcgan-samples-idx3-ubyte

It prints one JSON line with the settings, the steps, the seconds they took and the samples path.
"""
import argparse
import gzip
import json
import os
import re
import struct
import sys
import time

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F


def keras_init(module):
    if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def generator(latent, channels, s):
    bn = dict(momentum=0.01, eps=1e-3)
    return nn.Sequential(
        nn.Linear(latent, 256 * s * s, bias=False),
        nn.BatchNorm1d(256 * s * s, **bn),
        nn.LeakyReLU(0.3),
        nn.Unflatten(1, (256, s, s)),
        nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False),
        nn.BatchNorm2d(128, **bn),
        nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False),
        nn.BatchNorm2d(64, **bn),
        nn.LeakyReLU(0.3),
        nn.ConvTranspose2d(64, channels, 5, stride=2, padding=2, output_padding=1, bias=False),
        nn.Tanh(),
    )


def discriminator(channels, s):
    return nn.Sequential(
        nn.Conv2d(channels, 64, 5, stride=2, padding=2),
        nn.LeakyReLU(0.3),
        nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, stride=2, padding=2),
        nn.LeakyReLU(0.3),
        nn.Dropout(0.3),
        nn.Flatten(),
        nn.Linear(128 * s * s, 1),
    )


def engine_info():
    """Return the peer's name, PyTorch version and thread counts for the JSON result line."""
    return {
        "peer": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


def read_idx_images(directory):
    """Read train-images-idx3-ubyte.gz in directory as floats in [-1, 1] of shape N,1,H,W."""
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz"), "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x00000803:
        raise ValueError(
            f"{directory}/train-images-idx3-ubyte.gz: invalid IDX3 ubyte images file "
            f"(magic {magic:#010x}, expected 0x00000803)"
        )
    pixels = np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16)
    images = torch.from_numpy(pixels.astype(np.float32).reshape(count, 1, rows, cols))
    return images / 127.5 - 1


def write_idx_images(path, images):
    """Write images in [-1, 1] of shape N,1,H,W to path as an uncompressed IDX3 ubyte file."""
    count, _, rows, cols = images.shape
    pixels = torch.round((images + 1) * 127.5).clamp(0, 255).to(torch.uint8)
    with open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, count, rows, cols))
        f.write(pixels.numpy().tobytes())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--epochs", type=int, help="passes over --data; overrides --steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--data", help="train on train-images-idx3-ubyte.gz in this folder")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--beta1", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=0, help="images to generate after training")
    parser.add_argument("--samples-out", help="IDX3 ubyte file for the --samples images")
    parser.add_argument("--checkpoint-dir", help="write DIR/epoch-NNNN.pt after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint")
    args = parser.parse_args()
    if (args.epochs is not None or args.checkpoint_dir or args.resume) and not args.data:
        parser.error("--epochs, --checkpoint-dir and --resume need --data DIR")
    if args.resume and not args.checkpoint_dir:
        parser.error("--resume needs --checkpoint-dir DIR")
    if args.samples and not args.samples_out:
        parser.error("--samples needs --samples-out FILE")
    if args.samples_out and args.samples <= 0:
        parser.error("--samples-out needs --samples N with N > 0")
    if args.samples and not args.data:
        parser.error("--samples needs --data DIR because the timing mode trains on random pixels")

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    data = None
    if args.data:
        data = read_idx_images(args.data)
        args.image_size = data.shape[2]
    s, latent, batch = args.image_size // 4, 100, args.batch_size
    g, d = generator(latent, 1, s), discriminator(1, s)
    g.apply(keras_init)
    d.apply(keras_init)
    betas = (args.beta1, 0.999)
    opt_g = torch.optim.Adam(g.parameters(), lr=args.lr, betas=betas, eps=1e-7)
    opt_d = torch.optim.Adam(d.parameters(), lr=args.lr, betas=betas, eps=1e-7)
    g_params, d_params = list(g.parameters()), list(d.parameters())

    def step(real):
        n = real.shape[0]
        ones, zeros = torch.ones(n, 1), torch.zeros(n, 1)
        fake = g(torch.randn(n, latent))
        real_logits, fake_logits = d(real), d(fake)
        g_loss = F.binary_cross_entropy_with_logits(fake_logits, ones)
        d_loss = F.binary_cross_entropy_with_logits(
            real_logits, ones
        ) + F.binary_cross_entropy_with_logits(fake_logits, zeros)
        d_grads = torch.autograd.grad(d_loss, d_params, retain_graph=True)
        g_grads = torch.autograd.grad(g_loss, g_params)
        for p, grad in zip(d_params, d_grads):
            p.grad = grad
        for p, grad in zip(g_params, g_grads):
            p.grad = grad
        opt_d.step()
        opt_g.step()
        return d_loss.item(), g_loss.item()

    if data is not None:
        train(args, data, step, (g, d, opt_g, opt_d), latent)
        return

    real = torch.rand(batch, 1, args.image_size, args.image_size) * 2 - 1
    for _ in range(args.warmup):
        step(real)
    start = time.perf_counter()
    for _ in range(args.steps):
        step(real)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                **engine_info(),
                "batch_size": batch,
                "steps": args.steps,
                "images_per_second": args.steps * batch / seconds,
                "ms_per_step": seconds / args.steps * 1000,
            }
        )
    )


# Checkpoint keys of the generator, the discriminator and their optimizers, in that order.
STATE_NAMES = ("g", "d", "opt_g", "opt_d")


def newest_checkpoint(directory):
    """Return the path of the highest-numbered epoch-NNNN.pt in directory, or None."""
    if not os.path.isdir(directory):
        return None
    names = [n for n in os.listdir(directory) if re.fullmatch(r"epoch-\d{4,}\.pt", n)]
    names.sort(key=lambda n: int(n[len("epoch-") : -len(".pt")]))
    return os.path.join(directory, names[-1]) if names else None


def save_checkpoint(directory, epoch, state):
    """Write state to directory/epoch-NNNN.pt through a temporary file and a rename."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"epoch-{epoch:04d}.pt")
    temporary = f"{path}.{os.getpid()}.tmp"
    torch.save(state, temporary)
    os.replace(temporary, path)
    return path


def train(args, data, step, modules, latent):
    """Train for args.steps steps on shuffled data, then write --samples images if requested."""
    g, d, opt_g, opt_d = modules
    count, batch = data.shape[0], args.batch_size
    # BatchNorm rejects a training batch of one image, so a last batch of one is dropped.
    batches_per_epoch = -(-count // batch) - (1 if count % batch == 1 else 0)
    if args.epochs is not None:
        args.steps = args.epochs * batches_per_epoch
    shuffle = torch.Generator().manual_seed(args.seed)
    steps, epoch, images, seconds_before = 0, 0, 0, 0.0
    resumed = newest_checkpoint(args.checkpoint_dir) if args.resume else None
    if resumed:
        state = torch.load(resumed)
        if state["batch_size"] != batch or state["data_count"] != count:
            sys.exit(
                f"{resumed}: saved with batch size {state['batch_size']} on "
                f"{state['data_count']} images, not {batch} on {count}; pass the same "
                "--batch-size and --data, or another --checkpoint-dir"
            )
        for module, name in zip(modules, STATE_NAMES):
            module.load_state_dict(state[name])
        torch.set_rng_state(state["rng"])
        shuffle.set_state(state["shuffle"])
        steps, epoch, seconds_before = state["steps"], state["epoch"], state["seconds"]
        print(f"resumed from {resumed}: epoch {epoch}, step {steps}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    while steps < args.steps:
        order = torch.randperm(count, generator=shuffle)
        for b in range(batches_per_epoch):
            if steps >= args.steps:
                break
            real = data[order[b * batch : (b + 1) * batch]]
            d_loss, g_loss = step(real)
            steps += 1
            images += real.shape[0]
            if steps % 200 == 0 or steps == args.steps:
                seconds = time.perf_counter() - start
                print(
                    f"step {steps}/{args.steps} | epoch {epoch + 1} | d_loss {d_loss:.4f} | "
                    f"g_loss {g_loss:.4f} | {seconds:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
        epoch += 1
        if args.checkpoint_dir and steps % batches_per_epoch == 0:
            state = {name: module.state_dict() for module, name in zip(modules, STATE_NAMES)}
            state.update(
                rng=torch.get_rng_state(),
                shuffle=shuffle.get_state(),
                steps=steps,
                epoch=epoch,
                seconds=seconds_before + time.perf_counter() - start,
                batch_size=batch,
                data_count=count,
            )
            save_checkpoint(args.checkpoint_dir, epoch, state)
    seconds = time.perf_counter() - start

    if args.samples:
        g.eval()
        with torch.no_grad():
            chunks = []
            for first in range(0, args.samples, 1000):
                n = min(1000, args.samples - first)
                chunks.append(g(torch.randn(n, latent)))
        write_idx_images(args.samples_out, torch.cat(chunks))

    print(
        json.dumps(
            {
                **engine_info(),
                "data": args.data,
                "batch_size": batch,
                "lr": args.lr,
                "beta1": args.beta1,
                "seed": args.seed,
                "steps": steps,
                "epochs": steps / batches_per_epoch,
                "seconds": seconds,
                "seconds_in_all": seconds_before + seconds,
                "images_per_second": images / seconds if images else None,
                "samples": args.samples_out if args.samples else None,
            }
        )
    )


if __name__ == "__main__":
    main()

"""The DCGAN of the TensorFlow tutorial in PyTorch: the peer that aigc's DCGAN is timed against.

Same layers, initialisation, losses and update as src/models/dcgan.ts and src/train/dcgan.ts:
one generator forward, two discriminator forwards (real and generated) and one gradient per
network from the same graph, then one Adam step each (lr 1e-4, eps 1e-7).

Usage: /usr/bin/python3 bench/dcgan/dcgan_torch.py --steps 20 --batch-size 256 --threads 2
Prints one JSON line: images per second, milliseconds per step, and the settings used.
"""
import argparse
import json
import os
import time

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--image-size", type=int, default=28)
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    s, latent, batch = args.image_size // 4, 100, args.batch_size
    g, d = generator(latent, 1, s), discriminator(1, s)
    g.apply(keras_init)
    d.apply(keras_init)
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, eps=1e-7)
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-4, eps=1e-7)
    real = torch.rand(batch, 1, args.image_size, args.image_size) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    g_params, d_params = list(g.parameters()), list(d.parameters())

    def step():
        fake = g(torch.randn(batch, latent))
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

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "peer": "pytorch",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                "batch_size": batch,
                "steps": args.steps,
                "images_per_second": args.steps * batch / seconds,
                "ms_per_step": seconds / args.steps * 1000,
            }
        )
    )


if __name__ == "__main__":
    main()

"""The GPT of src/models/gpt.ts in PyTorch (nanoGPT's model.py, plus a key-value cache): the
peer that aigc's GPT is timed against.

Same layers, initialisation and training step as src/models/gpt.ts and src/train/language-model.ts:
random windows of tokens, mean cross-entropy, backward, gradient clipping to norm 1, and AdamW
(betas 0.9, 0.99) with weight decay 0.1 on matrices and embeddings only. Generation feeds the
prompt once, then one token per step through the cache, sampling with temperature 1 and top-k 40.

Usage: /usr/bin/python3 bench/gpt/gpt_torch.py --steps 20 --batch-size 16 --threads 2
Prints one JSON line: training and generation tokens per second, and the settings used.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head = n_head
        future = torch.ones(block_size, block_size, dtype=torch.bool).triu(1)
        self.register_buffer("future", future, persistent=False)

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)  # [B, nh, T, hs]
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        past = 0
        if cache is not None:
            if cache[0] is not None:
                past = cache[0].size(2)
                k = torch.cat([cache[0], k], 2)
                v = torch.cat([cache[1], v], 2)
            cache[0], cache[1] = k, v
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        if T > 1:
            att = att.masked_fill(self.future[past : past + T, : past + T], float("-inf"))
        att = self.attn_dropout(F.softmax(att, dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),
            nn.GELU(),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block_size, n_layer, n_head, n_embd, dropout):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, block_size, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear):
                # c_proj and mlp.2 project back into the residual stream.
                residual = name.endswith("c_proj") or name.endswith("mlp.2")
                std = 0.02 / math.sqrt(2 * n_layer) if residual else 0.02
                nn.init.normal_(module.weight, 0.0, std)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, 0.0, 0.02)

    def forward(self, idx, caches=None, past=0):
        T = idx.size(1)
        pos = torch.arange(past, past + T)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))


def main():
    parser = argparse.ArgumentParser()
    for name, default in [
        ("steps", 20),
        ("warmup", 3),
        ("batch-size", 16),
        ("context", 128),
        ("layers", 4),
        ("heads", 4),
        ("width", 128),
        ("vocab", 2048),
        ("new-tokens", 112),
        ("threads", os.cpu_count()),
    ]:
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()

    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    B, T, V = args.batch_size, args.context, args.vocab
    model = GPT(V, T, args.layers, args.heads, args.width, 0.1)
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )
    tokens = torch.tensor([(i * 7919) % V for i in range(100_000)], dtype=torch.long)

    def step():
        starts = torch.randint(0, tokens.numel() - T, (B,))
        windows = tokens[starts[:, None] + torch.arange(T + 1)]  # [B, T+1]
        logits = model(windows[:, :-1])
        loss = F.cross_entropy(logits.view(-1, V), windows[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item()

    model.train()
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    train_seconds = time.perf_counter() - start

    @torch.no_grad()
    def generate(count):
        generator = torch.Generator().manual_seed(0)
        caches = [[None, None] for _ in model.h]
        ids = tokens[:16].view(1, -1)
        logits = model(ids, caches, 0)[0, -1]
        length = ids.size(1)
        for _ in range(count):
            scores = logits / 1.0
            kth = torch.topk(scores, 40).values[-1]
            scores = scores.masked_fill(scores < kth, float("-inf"))
            next_id = torch.multinomial(F.softmax(scores, -1), 1, generator=generator)
            logits = model(next_id.view(1, 1), caches, length)[0, -1]
            length += 1
        return count

    model.eval()
    generate(8)
    start = time.perf_counter()
    new_tokens = generate(args.new_tokens)
    generate_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "peer": "pytorch",
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                "parameters": sum(p.numel() for p in params),
                "batch_size": B,
                "context": T,
                "steps": args.steps,
                "train_tokens_per_second": args.steps * B * T / train_seconds,
                "ms_per_step": train_seconds / args.steps * 1000,
                "new_tokens": new_tokens,
                "generate_tokens_per_second": new_tokens / generate_seconds,
            }
        )
    )


if __name__ == "__main__":
    main()

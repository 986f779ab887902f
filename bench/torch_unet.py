#!/usr/bin/env python3
"""PyTorch peer for `zest bench --suite unet|guided`: the SD 1.5 UNet at full size, built from torch.nn modules.

diffusers is not needed (nor installable here): the network below re-creates diffusers' UNet2DConditionModel for the
SD 1.5 config (block_out_channels 320/640/1280/1280, 2 layers per block, 8 heads, cross_attention_dim 768, conv
proj_in/proj_out, GEGLU feed-forward) with diffusers' module names, so the state-dict keys and the parameter count
(859,520,964) match. Weights are random (PyTorch's default init), float32, inference under torch.no_grad() except
for the ZestGuide pass.

Cases (one per run, so ru_maxrss is the peak of that case alone):
  unet    CFG forward, batch 2, text context [2, 77, 768], latent size×size
  guided  one ZestGuide step: conditional forward batch 1 with autograd, capturing the cross-attention
          probabilities of down_blocks.2 / up_blocks.1 (16×16 at 512 px) and up_blocks.2 (32×32 at 512 px),
          the ZestGuide loss (per segment BCE(Ŝ, S) + BCE(Ŝ / max Ŝ, S) on clamped maps, as zest's ZestGuideLoss),
          backward to the latent; then the CFG forward, batch 2, no grad.
          As zest does, the graph stops being recorded after the last captured layer (nothing later reaches the loss).

Attention: layers whose probabilities are not needed use F.scaled_dot_product_attention (diffusers'
AttnProcessor2_0); captured layers compute softmax(scale·QKᵀ) explicitly.

Prints one JSON object on stdout:
  {"case", "size", "threads", "params", "versions", "times": {part: {"best_s", "runs_s"}}, "total_best_s",
   "peak_rss_bytes"}
Progress goes to stderr. Exit code 3 when torch cannot be imported.

Usage: torch_unet.py --case unet|guided --size 32|64 [--threads N] [--warmup 1] [--reps 3]
"""
import argparse
import json
import math
import os
import resource
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--case", choices=("unet", "guided", "count"), required=True,
                   help="count: only build the model and print its parameter count")
    p.add_argument("--size", type=int, default=64, help="latent height = width (64 for 512 px)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

try:
    import torch  # noqa: E402
    import torch.nn as nn  # noqa: E402
    import torch.nn.functional as F  # noqa: E402
except ImportError as e:
    print(f"torch_unet.py: cannot import torch ({e})", file=sys.stderr)
    sys.exit(3)

torch.set_num_threads(ARGS.threads)
if hasattr(torch.backends, "nnpack"):
    torch.backends.nnpack.set_flags(False)  # unsupported on most x86 CPUs; it only prints warnings

# ---------------------------------------------------------------------------------------------------------------
# The SD 1.5 UNet (diffusers' UNet2DConditionModel with the runwayml/stable-diffusion-v1-5 unet/config.json)
# ---------------------------------------------------------------------------------------------------------------
BLOCK_OUT = (320, 640, 1280, 1280)
DOWN_TYPES = ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D")
UP_TYPES = ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")
LAYERS = 2
HEADS = 8  # SD 1.5's "attention_head_dim": 8 is really the number of heads
CROSS_DIM = 768
GROUPS = 32
TEMB = BLOCK_OUT[0] * 4


class Capture:
    """Which attention layers hand out their probabilities, and what they handed out in this pass."""

    def __init__(self, prefixes=()):
        self.prefixes = tuple(prefixes)
        self.expected = 0  # layers the selection matches (known after a first pass); 0 = unknown
        self.probs = []  # (path, probs [B*heads, h*w, keys], h, w)
        self.grad_stopped = False

    def selects(self, path, cross):
        return cross and any(path.startswith(p + ".") for p in self.prefixes)

    def add(self, path, probs, h, w):
        self.probs.append((path, probs, h, w))
        if self.expected and len(self.probs) == self.expected and torch.is_grad_enabled():
            torch.set_grad_enabled(False)  # nothing later in the UNet lies on the path to the loss
            self.grad_stopped = True


CAPTURE = Capture()


class Attention(nn.Module):
    def __init__(self, query_dim, cross_dim=None, heads=HEADS):
        super().__init__()
        inner = query_dim
        self.heads = heads
        self.scale = (inner // heads) ** -0.5
        self.cross = cross_dim is not None
        kv = cross_dim if cross_dim is not None else query_dim
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(kv, inner, bias=False)
        self.to_v = nn.Linear(kv, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])
        self.path = ""

    def forward(self, x, context=None, hw=None):
        b, lq, _ = x.shape
        ctx = x if context is None else context
        q, k, v = self.to_q(x), self.to_k(ctx), self.to_v(ctx)
        h = self.heads
        q, k, v = (t.view(b, -1, h, t.shape[-1] // h).transpose(1, 2) for t in (q, k, v))  # [B, H, L, d]
        if CAPTURE.selects(self.path, self.cross):
            probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * self.scale, dim=-1)
            CAPTURE.add(self.path, probs.reshape(b * h, lq, -1), hw[0], hw[1])
            out = torch.matmul(probs, v)
        else:
            out = F.scaled_dot_product_attention(q, k, v)
        out = out.transpose(1, 2).reshape(b, lq, -1)
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    def __init__(self, dim, out):
        super().__init__()
        self.proj = nn.Linear(dim, out * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, CROSS_DIM)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context, hw):
        x = self.attn1(self.norm1(x), None, hw) + x
        x = self.attn2(self.norm2(x), context, hw) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """use_linear_projection=False: 1×1 conv proj_in / proj_out around one transformer block."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.GroupNorm(GROUPS, channels, eps=1e-6)
        self.proj_in = nn.Conv2d(channels, channels, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(channels)])
        self.proj_out = nn.Conv2d(channels, channels, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        residual = x
        x = self.proj_in(self.norm(x))
        x = x.permute(0, 2, 3, 1).reshape(b, h * w, c)
        for blk in self.transformer_blocks:
            x = blk(x, context, (h, w))
        x = x.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()
        return self.proj_out(x) + residual


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1 = nn.GroupNorm(GROUPS, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(TEMB, cout)
        self.norm2 = nn.GroupNorm(GROUPS, cout, eps=1e-5)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class Downsample2D(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, size=None):
        x = F.interpolate(x, size=size, mode="nearest") if size is not None else F.interpolate(x, scale_factor=2.0, mode="nearest")
        return self.conv(x)


class DownBlock(nn.Module):
    def __init__(self, cin, cout, attention, downsample):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin if i == 0 else cout, cout) for i in range(LAYERS)])
        if attention:
            self.attentions = nn.ModuleList([Transformer2DModel(cout) for _ in range(LAYERS)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if downsample else None

    def forward(self, x, temb, context):
        skips = []
        for i, res in enumerate(self.resnets):
            x = res(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x, skips


class UpBlock(nn.Module):
    def __init__(self, cin, cout, prev, attention, upsample):
        super().__init__()
        n = LAYERS + 1
        self.resnets = nn.ModuleList([
            ResnetBlock2D((prev if i == 0 else cout) + (cin if i == n - 1 else cout), cout) for i in range(n)])
        self.attentions = nn.ModuleList([Transformer2DModel(cout) for _ in range(n)]) if attention else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if upsample else None

    def forward(self, x, skips, temb, context, up_size):
        for i, res in enumerate(self.resnets):
            x = torch.cat([x, skips.pop()], dim=1)
            x = res(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x, up_size)
        return x


class MidBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.attentions = nn.ModuleList([Transformer2DModel(ch)])
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch), ResnetBlock2D(ch, ch)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


class TimestepEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x):
        return self.linear_2(F.silu(self.linear_1(x)))


def timestep_features(t, dim=BLOCK_OUT[0]):
    """diffusers' Timesteps(320, flip_sin_to_cos=True, downscale_freq_shift=0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class UNet2DConditionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(4, BLOCK_OUT[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(BLOCK_OUT[0], TEMB)
        self.down_blocks = nn.ModuleList()
        out = BLOCK_OUT[0]
        for i, kind in enumerate(DOWN_TYPES):
            cin, out = out, BLOCK_OUT[i]
            self.down_blocks.append(DownBlock(cin, out, kind == "CrossAttnDownBlock2D", i < len(BLOCK_OUT) - 1))
        self.mid_block = MidBlock(BLOCK_OUT[-1])
        rev = BLOCK_OUT[::-1]
        self.up_blocks = nn.ModuleList()
        out = rev[0]
        for i, kind in enumerate(UP_TYPES):
            prev, out = out, rev[i]
            cin = rev[min(i + 1, len(rev) - 1)]
            self.up_blocks.append(UpBlock(cin, out, prev, kind == "CrossAttnUpBlock2D", i < len(rev) - 1))
        self.conv_norm_out = nn.GroupNorm(GROUPS, BLOCK_OUT[0], eps=1e-5)
        self.conv_out = nn.Conv2d(BLOCK_OUT[0], 4, 3, padding=1)
        for name, m in self.named_modules():
            if isinstance(m, Attention):
                m.path = name

    def forward(self, sample, timestep, context):
        b = sample.shape[0]
        t = timestep.expand(b) if timestep.dim() > 0 else timestep.repeat(b)
        temb = self.time_embedding(timestep_features(t))
        x = self.conv_in(sample)
        skips = [x]
        for blk in self.down_blocks:
            x, s = blk(x, temb, context)
            skips.extend(s)
        x = self.mid_block(x, temb, context)
        for i, blk in enumerate(self.up_blocks):
            n = len(blk.resnets)
            mine, skips = skips[-n:], skips[:-n]
            up_size = skips[-1].shape[2:] if skips else None
            x = blk(x, mine, temb, context, up_size)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


# ---------------------------------------------------------------------------------------------------------------
# ZestGuide's loss on the captured maps (mirrors zest.diffusion.zestguide.AttentionMaps + ZestGuideLoss)
# ---------------------------------------------------------------------------------------------------------------
CLAMP = 1e-3
GUIDED_LAYERS = ("down_blocks.2", "up_blocks.1", "up_blocks.2")  # zest's default selection down16,up16,up32


def mean_maps(captured, out_h, out_w, batch_index=0):
    total = None
    for _, probs, h, w in captured:
        p = probs[batch_index * HEADS:(batch_index + 1) * HEADS]
        maps = p.permute(0, 2, 1).reshape(HEADS, p.shape[2], h, w)
        if (h, w) != (out_h, out_w):
            maps = F.interpolate(maps, size=(out_h, out_w), mode="bilinear", align_corners=False)
        per_layer = maps.mean(dim=0)
        total = per_layer if total is None else total + per_layer
    return total / len(captured)


def zestguide_loss(maps, masks, tokens):
    loss = None
    for i, toks in enumerate(tokens):
        s = sum(maps[t] for t in toks)
        target = masks[i]
        direct = F.binary_cross_entropy(s.clamp(CLAMP, 1 - CLAMP), target)
        normalised = F.binary_cross_entropy((s / s.max()).clamp(CLAMP, 1 - CLAMP), target)
        term = direct + normalised
        loss = term if loss is None else loss + term
    return loss


def layout(size):
    """Two segments (left / right half of the latent) with prompt tokens {1, 2} and {4}; the same in BenchCases.java."""
    masks = torch.zeros(2, size, size)
    masks[0, :, : size // 2] = 1
    masks[1, :, size // 2:] = 1
    return masks, [[1, 2], [4]]


def build_unet():
    """Random weights with PyTorch's default bounds (U(±1/√fan_in) for Linear/Conv, 1/0 for norms), filled in
    place: built on the meta device first, which skips torch's much slower per-layer kaiming init."""
    with torch.device("meta"):
        unet = UNet2DConditionModel()
    unet = unet.to_empty(device="cpu").eval()
    with torch.no_grad():
        for m in unet.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                bound = 1 / math.sqrt(m.weight[0].numel())
                m.weight.uniform_(-bound, bound)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound)
            elif isinstance(m, (nn.GroupNorm, nn.LayerNorm)):
                m.weight.fill_(1)
                m.bias.zero_()
    return unet


# ---------------------------------------------------------------------------------------------------------------

def time_it(fn, warmup, reps, label):
    """fn() may return a dict of stage wall times; returns best / all wall times, CPU times and stage times."""
    for i in range(warmup):
        t0 = time.perf_counter()
        fn()
        print(f"# torch {label} warm-up {i + 1}: {time.perf_counter() - t0:.2f} s", file=sys.stderr, flush=True)
    runs, cpu, splits = [], [], {}
    for i in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        split = fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)  # all threads of the process, user + system
        for k, v in (split if isinstance(split, dict) else {}).items():
            splits.setdefault(k, []).append(v)
        extra = " " + str({k: round(v, 2) for k, v in split.items()}) if isinstance(split, dict) else ""
        print(f"# torch {label} run {i + 1}: {runs[-1]:.2f} s (CPU {cpu[-1]:.2f} s){extra}", file=sys.stderr, flush=True)
    return {"best_s": min(runs), "runs_s": runs, "cpu_s": cpu, "split_s": splits}


def main():
    torch.manual_seed(ARGS.seed)
    t0 = time.perf_counter()
    unet = build_unet()
    for p in unet.parameters():
        p.requires_grad_(False)
    params = sum(p.numel() for p in unet.parameters())
    print(f"# torch SD 1.5 UNet: {params:,} parameters, built in {time.perf_counter() - t0:.1f} s", file=sys.stderr,
          flush=True)
    result = {"case": ARGS.case, "size": ARGS.size, "threads": ARGS.threads, "params": params,
              "versions": {"torch": torch.__version__, "python": sys.version.split()[0]}, "times": {}}
    if ARGS.case == "count":
        print(json.dumps(result))
        return

    s = ARGS.size
    latents2 = torch.randn(2, 4, s, s)
    context2 = torch.randn(2, 77, CROSS_DIM)
    t = torch.tensor(500.0)

    def cfg_forward():
        with torch.no_grad():
            return unet(latents2, t, context2)

    if ARGS.case == "unet":
        result["times"]["cfg_forward_b2"] = time_it(cfg_forward, ARGS.warmup, ARGS.reps, f"unet fwd b2 {s}x{s}")
    else:
        latent1 = latents2[:1].clone()
        context1 = context2[:1]
        masks, tokens = layout(s)
        CAPTURE.prefixes = GUIDED_LAYERS

        def guided():
            t0 = time.perf_counter()
            x = latent1.detach().requires_grad_(True)
            CAPTURE.probs = []
            try:
                eps = unet(x, t, context1)  # kept until after the backward, as a pipeline keeps it for the CFG step
            finally:
                if CAPTURE.grad_stopped:  # the graph stopped after the last captured layer: on again for the loss
                    torch.set_grad_enabled(True)
                    CAPTURE.grad_stopped = False
            t1 = time.perf_counter()
            maps = mean_maps(CAPTURE.probs, s, s)
            loss = zestguide_loss(maps, masks, tokens)
            grad, = torch.autograd.grad(loss, x)
            del eps
            CAPTURE.probs = []
            return {"forward": t1 - t0, "loss+backward": time.perf_counter() - t1}

        # the untimed CFG warm-up also counts the captured layers, so that every guided pass (warm-up too) stops
        # recording after the last of them (as zest's bench does)
        for i in range(max(1, ARGS.warmup)):
            t0 = time.perf_counter()
            cfg_forward()
            if i == 0:
                CAPTURE.expected = len(CAPTURE.probs)
                CAPTURE.probs = []
                CAPTURE.prefixes = ()
            print(f"# torch unet fwd b2 {s}x{s} warm-up {i + 1}: {time.perf_counter() - t0:.2f} s", file=sys.stderr, flush=True)
        print(f"# torch guided: {CAPTURE.expected} cross-attention layers captured", file=sys.stderr, flush=True)
        result["captured_layers"] = CAPTURE.expected
        CAPTURE.prefixes = GUIDED_LAYERS
        result["times"]["guided_fwd_bwd_b1"] = time_it(guided, ARGS.warmup, ARGS.reps, f"zestguide fwd+bwd b1 {s}x{s}")
        CAPTURE.prefixes = ()
        result["times"]["cfg_forward_b2"] = time_it(cfg_forward, 0, ARGS.reps, f"unet fwd b2 {s}x{s}")
    result["total_best_s"] = sum(v["best_s"] for v in result["times"].values())
    result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps(result))


if __name__ == "__main__":
    main()

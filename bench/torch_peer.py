#!/usr/bin/env python3
"""Peer timings for zest's KernelBench: the same SGEMM / conv2d / attention cases in PyTorch CPU and numpy.

Prints one JSON object on stdout:
  {"threads": T, "versions": {...}, "torch": {id: {"best_ms", "median_ms"}}, "numpy": {id: {...} | null}}

Cases come from --cases (a JSON list, as KernelBench passes them) or the built-in default list below, which
mirrors KernelBench.defaultCases(). Case forms:
  {"id", "kind": "gemm", "m", "n", "k", "transB"}           C[m,n] = A[m,k] @ op(B), op(B) = B.T when transB
  {"id", "kind": "conv", "pass": "forward"|"input"|"weight", "n", "c", "h", "w", "oc", "kh", "kw", "stride", "pad"}
  {"id", "kind": "attention", "pass": "forward"|"fwdbwd", "heads", "tokens", "d"}   softmax(QKᵀ/√d)V, [1, H, L, d]
numpy has no convolution; it does the forward pass as im2col + matmul when the column matrix fits in 512 MB.

Usage: torch_peer.py [--threads 2] [--warmup 2] [--reps 7] [--cases JSON]
"""
import argparse
import json
import os
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--cases", type=str, default=None, help="JSON list of cases (default: built-in list)")
    return p.parse_args()


ARGS = parse_args()
# Thread counts must be fixed before the BLAS libraries load.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(ARGS.threads)
torch.manual_seed(0)


def default_cases():
    cases = []
    for s in (1024, 2048):
        cases.append(dict(id=f"sgemm_nn_{s}x{s}x{s}", kind="gemm", m=s, n=s, k=s, transB=False))
    for m, n, k in ((4096, 320, 320), (4096, 320, 1280), (1024, 640, 640), (256, 1280, 1280), (4096, 77, 40)):
        cases.append(dict(id=f"sgemm_nt_{m}x{n}x{k}", kind="gemm", m=m, n=n, k=k, transB=True))
    for c, hw in ((320, 64), (640, 32), (1280, 16), (128, 512)):
        for p in ("forward", "input", "weight"):
            cases.append(dict(id=f"conv3x3_{p}_{c}x{hw}x{hw}", kind="conv", **{"pass": p}, n=1, c=c, h=hw, w=hw,
                              oc=c, kh=3, kw=3, stride=1, pad=1))
    for heads, tokens, d in ((8, 4096, 40), (8, 1024, 80)):
        for p in ("forward", "fwdbwd"):
            cases.append(dict(id=f"sdpa_{p}_{heads}x{tokens}x{d}", kind="attention", **{"pass": p}, heads=heads,
                              tokens=tokens, d=d))
    return cases


def time_it(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return {"best_ms": times[0], "median_ms": times[len(times) // 2]}


def reps_for(flops):
    # the 512 px VAE layers take ~1 s per pass: fewer repetitions keep the run short
    return (max(1, ARGS.warmup // 2), max(3, ARGS.reps // 2)) if flops > 1e11 else (ARGS.warmup, ARGS.reps)


def torch_case(case):
    if case["kind"] == "attention":
        q, k, v, g = (torch.randn(1, case["heads"], case["tokens"], case["d"]) for _ in range(4))
        if case["pass"] == "forward":
            return lambda: F.scaled_dot_product_attention(q, k, v)

        def forward_backward():
            with torch.enable_grad():
                qq, kk, vv = (t.detach().requires_grad_() for t in (q, k, v))
                F.scaled_dot_product_attention(qq, kk, vv).backward(g)
        return forward_backward
    if case["kind"] == "gemm":
        m, n, k = case["m"], case["n"], case["k"]
        a = torch.randn(m, k)
        b = torch.randn(n, k) if case["transB"] else torch.randn(k, n)
        bop = b.t() if case["transB"] else b
        out = torch.empty(m, n)
        return lambda: torch.matmul(a, bop, out=out)
    x = torch.randn(case["n"], case["c"], case["h"], case["w"])
    w = torch.randn(case["oc"], case["c"], case["kh"], case["kw"])
    bias = torch.randn(case["oc"])
    stride, pad = case["stride"], case["pad"]
    y = F.conv2d(x, w, bias, stride=stride, padding=pad)
    if case["pass"] == "forward":
        return lambda: F.conv2d(x, w, bias, stride=stride, padding=pad)
    grad = torch.randn_like(y)
    mask = [case["pass"] == "input", case["pass"] == "weight", False]
    return (lambda: torch.ops.aten.convolution_backward(grad, x, w, None, [stride, stride], [pad, pad], [1, 1],
                                                         False, [0, 0], 1, mask))


def case_flops(case):
    if case["kind"] == "attention":
        forward = 4.0 * case["heads"] * case["tokens"] ** 2 * case["d"]
        return forward if case["pass"] == "forward" else 3 * forward
    if case["kind"] == "gemm":
        return 2.0 * case["m"] * case["n"] * case["k"]
    oh = (case["h"] + 2 * case["pad"] - case["kh"]) // case["stride"] + 1
    ow = (case["w"] + 2 * case["pad"] - case["kw"]) // case["stride"] + 1
    return 2.0 * case["n"] * case["oc"] * oh * ow * case["c"] * case["kh"] * case["kw"]


def numpy_case(case):
    rng = np.random.default_rng(0)
    if case["kind"] == "attention":
        return None  # numpy has no fused attention
    if case["kind"] == "gemm":
        m, n, k = case["m"], case["n"], case["k"]
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if case["transB"] else (k, n), dtype=np.float32)
        bop = b.T if case["transB"] else b
        out = np.empty((m, n), dtype=np.float32)
        return lambda: np.matmul(a, bop, out=out)
    if case["pass"] != "forward" or case["stride"] != 1:
        return None
    c, h, w, oc, kh, kw, pad = case["c"], case["h"], case["w"], case["oc"], case["kh"], case["kw"], case["pad"]
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    if c * kh * kw * oh * ow * 4 > 512 << 20:
        return None
    x = rng.standard_normal((c, h, w), dtype=np.float32)
    wm = rng.standard_normal((oc, c * kh * kw), dtype=np.float32)

    def conv():
        xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
        cols = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))  # c, oh, ow, kh, kw
        cols = np.ascontiguousarray(cols.transpose(0, 3, 4, 1, 2)).reshape(c * kh * kw, oh * ow)
        return wm @ cols
    return conv


def main():
    cases = json.loads(ARGS.cases) if ARGS.cases else default_cases()
    result = {"threads": ARGS.threads,
              "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
              "torch": {}, "numpy": {}}
    # Two phases, not interleaved: MKL/OpenMP and OpenBLAS worker threads spin after each call and would steal
    # the cores from the other library's next case.
    for case in cases:
        fn = torch_case(case)
        warmup, reps = reps_for(case_flops(case))
        with torch.no_grad():
            result["torch"][case["id"]] = time_it(fn, warmup, reps)
        print(f"# torch {case['id']}: {result['torch'][case['id']]['best_ms']:.3f} ms", file=sys.stderr)
        del fn
    time.sleep(0.5)
    for case in cases:
        fn = numpy_case(case)
        warmup, reps = reps_for(case_flops(case))
        result["numpy"][case["id"]] = time_it(fn, warmup, reps) if fn else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Throughput of K runs trained together (`fit(x, seeds=...)`) against the same K runs one after another.

    python benchmarks/bench_many.py                           # CPU: K = 1, 3, 8, 16, paper and extended
    python benchmarks/bench_many.py --device cuda --iters 300
    python benchmarks/bench_many.py --ks 1 3 --presets extended --csv out.csv
    python benchmarks/bench_many.py --device cuda --graph     # also the K runs recorded as a CUDA graph

Each measurement runs in a fresh process (so that its peak memory is its own): `fit` on 330 random patches at
the preset's batch (200 + 200), `--warmup` iterations first, then `--iters` timed iterations per run. 'alone' is
one run with fit's defaults for the device; K runs one after another take K times as long, so the ratio to read is
the aggregate rate of K runs stacked (`stack=True`: K x iterations / seconds) over the rate of one run alone
(with --graph, each K again recorded as a CUDA graph, `graph=True`: mode 'recorded'). Peak memory:
the process's peak RSS on CPU, `torch.cuda.max_memory_allocated` on GPUs. On CPU the script also counts one
iteration's floating-point operations (torch's FlopCounterMode on the forward passes, x3 for the backward)
and measures a large matrix product on the same threads, in the precision a run trains in (bfloat16 where
the CPU computes it natively, else float32): their quotient bounds what any way of training runs together
could reach on this machine. Last, it times D's strided convolutions of 3 runs as one grouped convolution
against one run's: where the time goes, and what stacking does not save on CPUs.
"""
import argparse, json, os, resource, subprocess, sys, time
from _shared import append_rows, machine_name, with_malloc_env

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ks', type=int, nargs='+', default=[1, 3, 8, 16], help='runs trained together')
    ap.add_argument('--presets', nargs='+', default=['paper', 'extended'])
    ap.add_argument('--iters', type=int, default=40, help='timed iterations (each run)')
    ap.add_argument('--warmup', type=int, default=5, help='iterations before timing')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--graph', action='store_true', help="also K runs as a CUDA graph ('recorded')")
    ap.add_argument('--csv', default=None, help='also append the rows to this CSV file (e.g. '
                    'prostate_gan_nb/assets/results/together.csv, which the many-runs page renders)')
    ap.add_argument('--machine', default=None, help='machine description for the CSV (default: CPU or GPU name)')
    ap.add_argument('--one', default=None, help=argparse.SUPPRESS)   # internal: one measurement
    return ap.parse_args()

def measure(preset, k, iters, warmup, device, graph=False):
    "One measurement in this process: seconds per iteration (all runs), peak memory in MB"
    import torch
    from prostate_gan_nb.train import fit
    x = torch.rand(330, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    kw = dict(preset=preset, device=device, progress=False)
    if k: kw.update(seeds=list(range(k)), stack=True, graph=graph)   # stacked, also on CPU
    fit(x, n_iter=warmup, **kw)
    if device.startswith('cuda'): torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    fit(x, n_iter=iters, **kw)
    if device.startswith('cuda'): torch.cuda.synchronize()
    seconds = time.perf_counter() - t
    peak = (torch.cuda.max_memory_allocated() / 2**20 if device.startswith('cuda')
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return dict(seconds=seconds, peak_mb=peak)

def flops_per_iteration(preset, batch=200):
    "Operations of one iteration: G on a batch and D on twice as many, forward; x3 with the backward"
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from prostate_gan_nb.models import Generator, Discriminator
    from prostate_gan_nb.train import train_config
    cfg = train_config(preset)
    G, D = Generator(**cfg['generator']), Discriminator(**cfg['discriminator'])
    with FlopCounterMode(display=False) as count, torch.no_grad():
        D(G(torch.randn(batch, G.nz))); D(torch.rand(batch, 3, 16, 16))
    return 3 * count.get_total_flops()   # the backward pass costs about twice the forward

def training_dtype():
    "The precision of a CPU run with fit's defaults: bfloat16 where the CPU computes it natively"
    import torch
    from prostate_gan_nb.train import speed_settings
    return torch.bfloat16 if speed_settings(torch.device('cpu'))['amp'] else torch.float32

def seconds_per_call(f, repeats=10, rounds=5):
    "Seconds per call of `f`: the best of `rounds` rounds, after three calls to warm up"
    for _ in range(3): f()
    def one_round():
        t = time.perf_counter()
        for _ in range(repeats): f()
        return (time.perf_counter() - t) / repeats
    return min(one_round() for _ in range(rounds))

def matmul_peak(dtype, n=2048):
    "Operations per second of an n x n matrix product in `dtype` on this process's threads"
    import torch
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    return 2 * n ** 3 / seconds_per_call(lambda: a @ b)

def run_child(a, preset, k, graph=False):
    cmd = [sys.executable, __file__, '--one', json.dumps([preset, k, graph]), '--iters', str(a.iters),
           '--warmup', str(a.warmup), '--device', a.device]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)

def print_bound(preset, rate1):
    "What the arithmetic allows on this CPU: one iteration's operations at the matrix-product peak"
    dtype = training_dtype()
    flops, peak = flops_per_iteration(preset), matmul_peak(dtype)
    print(f'{preset}: {flops / 1e9:.2f} GFLOP per iteration; {str(dtype)[6:]} matrix-product peak '
          f'{peak / 1e9:.0f} GFLOP/s -> at most {peak / flops:.1f} it/s; one run alone reaches '
          f'{rate1 * flops / peak:.0%} of it, so no way of training runs together can beat runs '
          f'one after another by more than x{peak / flops / rate1:.2f} here')
    return dict(runs=1, mode='bound', iterations_per_second=peak / flops,
                ratio_to_one_after_another=peak / flops / rate1, peak_mb=None)

def print_grouped_convs(k, batch=400):
    "The profile behind stacking on CPU: D's strided convolutions, K runs grouped against one alone"
    import torch
    from torch.nn.functional import conv2d
    dtype = training_dtype()
    def forward_backward(cin, cout, size, runs):   # runs x cin channels in, `runs` groups
        x = torch.randn(batch, runs * cin, size, size, dtype=dtype, requires_grad=True)
        w = torch.randn(runs * cout, cin, 3, 3, dtype=dtype, requires_grad=True)
        return lambda: conv2d(x, w, stride=2, padding=1, groups=runs).sum().backward()
    for name, shape in (('conv2', (32, 64, 16)), ('conv3', (64, 128, 8))):
        one, grouped = (seconds_per_call(forward_backward(*shape, r)) for r in (1, k))
        print(f"D's {name} ({str(dtype)[6:]}, forward and backward, {batch} images): {k} runs "
              f'as one grouped convolution take x{grouped / (k * one):.2f} the time of {k} '
              'convolutions alone')

def main(a):
    import torch
    rows, machine = [], a.machine or machine_name(a.device)
    source = 'python benchmarks/bench_many.py ' + ' '.join(sys.argv[1:])
    row = lambda **kw: dict(machine=machine, device=a.device.split(':')[0], **kw, source=source)
    print(f'torch {torch.__version__}, device {a.device}, {torch.get_num_threads()} threads, '
          f'{a.iters} timed iterations per run, load average {os.getloadavg()[0]:.1f}')
    for preset in a.presets:
        alone = run_child(a, preset, 0)
        rate1 = a.iters / alone['seconds']
        print(f'{preset}: one run alone {rate1:.2f} it/s, peak {alone["peak_mb"]:.0f} MB')
        rows.append(row(preset=preset, runs=1, mode='alone', iterations_per_second=rate1,
                        ratio_to_one_after_another=1.0, peak_mb=alone['peak_mb']))
        if a.device == 'cpu': rows.append(row(preset=preset, **print_bound(preset, rate1)))
        for k, mode in [(k, m) for m in ['stacked'] + ['recorded'] * a.graph for k in a.ks]:
            r = run_child(a, preset, k, mode == 'recorded')
            agg = k * a.iters / r['seconds']
            print(f'{preset}: K={k:2d} {mode} {agg:6.2f} it/s in all ({agg / k:5.2f} each), '
                  f'x{agg / rate1:.2f} vs {k} run(s) one after another, peak {r["peak_mb"]:.0f} MB')
            rows.append(row(preset=preset, runs=k, mode=mode, iterations_per_second=agg,
                            ratio_to_one_after_another=agg / rate1, peak_mb=r['peak_mb']))
    if a.device == 'cpu': print_grouped_convs(3)
    print(f'load average at the end {os.getloadavg()[0]:.1f}')
    if a.csv: append_rows(a.csv, rows)

if __name__ == '__main__':
    a = args()
    with_malloc_env()
    if a.one:
        preset, k, graph = json.loads(a.one)
        print(json.dumps(measure(preset, k, a.iters, a.warmup, a.device, graph)))
    else: main(a)

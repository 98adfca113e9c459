"""Speed of `prostate_gan_nb.train.gan_step` (what `fit` runs each iteration) against a plain reference loop.

    python benchmarks/bench_train.py                  # 4 rounds x 25 iterations per variant, interleaved
    python benchmarks/bench_train.py --iters 50 --rounds 6 --amp

Both loops train the package's Generator and Discriminator (paper preset: batch 200 fake + 200 real, Adam 2e-4,
betas (0.5, 0.999)) on the same random patches in this one process. The reference is written the usual way
(pytorch/examples DCGAN style): a G step (D's parameter gradients computed too, then thrown away) and a D step
with G(z) recomputed and two D passes; noise and dropout from torch's global RNG. Blocks of iterations alternate
between the variants so that load from other processes hits them alike; the ratio is the figure to read.
Variants of `gan_step`: 'plain' (float32, fresh noise draws, contiguous memory: `train.SPEED_OFF`), 'amp only'
(bfloat16 autocast, with --amp) and 'CPU_FAST' (what `fit` uses on a CPU with native bfloat16 by default: autocast, a `NoiseBank`
for D's noise, channels-last memory). `fit() end to end` runs with fit's defaults.
glibc's allocator settings (MALLOC_*, see the training-step profile note) apply to the whole process: they are
set by re-executing this script unless --no-malloc-env is given.
"""
import argparse, os, resource, sys, time
from concurrent.futures import ThreadPoolExecutor
from _shared import with_malloc_env


def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--iters', type=int, default=25, help='iterations per block')
    ap.add_argument('--rounds', type=int, default=4, help='blocks per variant (interleaved)')
    ap.add_argument('--batch', type=int, default=200)
    ap.add_argument('--threads', type=int, default=None, help='torch threads (default: torch.get_num_threads())')
    ap.add_argument('--shards', type=int, default=None, help="gan_step shards (default: train.default_shards)")
    ap.add_argument('--amp', action='store_true', help='also time gan_step with bfloat16 autocast alone')
    ap.add_argument('--fit-iters', type=int, default=500, help='iterations of the end-to-end fit() run (after the others)')
    ap.add_argument('--no-malloc-env', action='store_true', help='keep glibc allocator defaults')
    return ap.parse_args()

def main(a):
    from prostate_gan_nb.train import MALLOC_ENV
    import torch
    from prostate_gan_nb.models import Generator, Discriminator
    from prostate_gan_nb.losses import d_loss, g_loss
    from prostate_gan_nb.train import gan_step, make_streams, stream_replica, default_shards, noise_bank_for, SPEED_OFF, CPU_FAST
    threads = a.threads or torch.get_num_threads(); torch.set_num_threads(threads)
    shards = a.shards or default_shards(torch.device('cpu'))
    B, N = a.batch, 330
    x = torch.rand(N, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    adam = lambda net: torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.5, 0.999))

    G, D = Generator(seed=0), Discriminator(seed=1); og, od = adam(G), adam(D)
    def ref_iter():
        real, z = x[torch.randint(N, (B,))], torch.randn(B, 25)
        og.zero_grad(); g_loss(D(G(z))).backward(); og.step()                  # G step (D's grads too)
        od.zero_grad(); fake = G(torch.randn(B, 25)).detach()                  # D step, G(z) again
        d_loss(D(real), D(fake)).backward(); od.step()

    def fast(speed):
        G, D = Generator(seed=0), Discriminator(seed=1)
        layout = torch.channels_last if speed['channels_last'] else torch.contiguous_format
        G, D = G.to(memory_format=layout), D.to(memory_format=layout); og, od = adam(G), adam(D)
        bank = noise_bank_for(dict(speed, seed=0), torch.device('cpu'))
        st = make_streams(0, shards); reps = [stream_replica(D, st[f'noise{k}'], bank) for k in range(shards)]
        pool = ThreadPoolExecutor(shards) if shards > 1 else None
        def it():
            real = x[torch.randint(N, (B,), generator=st['real'])].contiguous(memory_format=layout)
            z = torch.randn(B, 25, generator=st['z'])
            gan_step(G, D, og, od, reps, real, z, amp=speed['amp'], pool=pool)
        return it, max(1, threads // shards) if shards > 1 else threads

    variants = {'reference': (ref_iter, threads), 'reference, 1 thread': (ref_iter, 1), 'gan_step, plain': fast(SPEED_OFF)}
    if a.amp: variants['gan_step, amp only'] = fast(SPEED_OFF | dict(amp=True))
    variants['gan_step, CPU_FAST'] = fast(CPU_FAST)
    for f, th in variants.values():
        torch.set_num_threads(th); [f() for _ in range(3)]                    # warm-up
    spent = {k: 0. for k in variants}
    load0 = os.getloadavg()[0]
    for _ in range(a.rounds):
        for k, (f, th) in variants.items():
            torch.set_num_threads(th); t = time.perf_counter()
            for _ in range(a.iters): f()
            spent[k] += time.perf_counter() - t
    load1 = os.getloadavg()[0]
    n = a.rounds * a.iters
    rate = {k: n / s for k, s in spent.items()}
    print(f'torch {torch.__version__}, {threads} threads, gan_step shards={shards}, batch {B}+{B}, '
          f'{a.rounds} x {a.iters} iterations per variant interleaved, malloc env '
          f"{'on' if all(os.environ.get(k) == v for k, v in MALLOC_ENV.items()) else 'off'}, "
          f'load average {load0:.1f} -> {load1:.1f} (cores: {os.cpu_count()})')
    for k, r in rate.items():
        print(f'{k:>22}: {r:6.2f} it/s  x{r / rate["reference"]:.2f} vs reference   '
              f'15,000 iterations in {15000 / r / 60:5.1f} min')
    from prostate_gan_nb.train import fit
    torch.set_num_threads(threads); t = time.perf_counter()
    fit(x, n_iter=a.fit_iters, batch_size=B, progress=False, shards=shards)
    r = a.fit_iters / (time.perf_counter() - t)
    print(f'{"fit() end to end":>22}: {r:6.2f} it/s  15,000 iterations in {15000 / r / 60:5.1f} min '
          f'(fit\'s defaults, setup included, {a.fit_iters} iterations, not interleaved)')
    print(f'peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB')

if __name__ == '__main__':
    a = args()
    if not a.no_malloc_env: with_malloc_env()
    main(a)

"""Full-schedule fidelity of runs trained stacked (`fit(x, seeds=..., stack=True)`), scored as `reproduce` scores.

    python benchmarks/stacked_fidelity.py --preset tuned --seeds 0 1          # 32-69 min on 2 CPU cores
    python benchmarks/stacked_fidelity.py --preset tuned --seeds 0 1 --csv rows.csv
    python benchmarks/stacked_fidelity.py --preset tuned --seeds 0 1 --alone  # the same runs one after another

Trains the runs stacked on the shipped training patches (`results.load_train_patches`, the 330 patches of the
synthetic data set) with `ema=0.999`, then scores each run's last iterate and weight average the way the per-run
rows of `assets/results/runs.csv` were scored: 330 samples (seed 0) against 1,000 fresh ground-truth patches
(seed 1000), a held-out draw (seed 2000), the chance floor of 8 draws (seeds 3000 on), and the privacy audit of
1,000 samples. The rows it prints (and appends to --csv) have runs.csv's columns, route 'shipped patches, stacked'
(or 'shipped patches, alone' with --alone: `stack=False`, each run exactly the run of its seed), so that runs of
both kinds trained on one machine can be set side by side (`assets/results/stacked_runs.csv`, on the many-runs page).
"""
import argparse, os, sys, tempfile, time
from pathlib import Path
import numpy as np
import torch
from _shared import append_rows, machine_name, with_malloc_env

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--preset', default='tuned')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    ap.add_argument('--n-iter', type=int, default=None, help="iterations (default: the preset's)")
    ap.add_argument('--checkpoint-dir', default=None, help='where the runs go (default: a temporary folder)')
    ap.add_argument('--csv', default=None, help='append the rows to this CSV file')
    ap.add_argument('--alone', action='store_true', help='train the runs one after another (stack=False)')
    return ap.parse_args()

def yardsticks(x, scales, seed=0):
    "What every score of generators trained on `x` compares with, drawn once: reference, holdout, chance"
    from prostate_gan_nb.results import ground_truth, ground_truth_floor
    ref, hold = ground_truth(1000, scales, seed=seed + 1000), ground_truth(len(x), scales, seed=seed + 2000)
    return ref, hold, ground_truth_floor(len(x), scales, ref, seed=seed + 3000, metric_seed=seed)

def score(G, x, sticks, seed=0, trained_on=None):
    """runs.csv's numbers for one generator, scored as `reproduce` scores (`sticks`: `yardsticks(x, ...)`);
    the distance audit flags samples against `trained_on` when G was not trained on `x`"""
    from prostate_gan_nb.results import fidelity, target_table, generate
    from prostate_gan_nb.metrics import audit_privacy
    ref, hold, chance = sticks
    report = fidelity(G, x, ref, hold, seed=seed)
    passed = lambda t: int((t.result == 'PASS').sum())
    fake = generate(G, torch.randn(1000, G.nz, generator=torch.Generator().manual_seed(seed)))
    audit = audit_privacy(fake, x if trained_on is None else trained_on, hold, seed=seed)
    gan = report.loc['gan']
    return dict(swd=round(float(gan.swd), 1), kid_pixels=round(float(gan.kid_pixels), 4),
                kid_features=round(float(gan.kid_features), 2),
                within_2x=passed(target_table(report, chance=chance)),
                within_2x_literal=passed(target_table(report)), flagged=audit.summary['n_flagged'])

def arithmetic(run):
    "How a run computed, from its checkpoint: 'float32' or 'bfloat16', and the noise pool if used"
    from prostate_gan_nb.train import checkpoint_state, find_checkpoint
    meta = checkpoint_state(find_checkpoint(run), 'meta')['meta']
    return ('bfloat16' if meta['amp'] else 'float32') + (', noise bank' if meta['noise_bank'] else '')

def main(a):
    from prostate_gan_nb.results import load_train_patches
    from prostate_gan_nb.train import fit, load_generator
    train = load_train_patches()
    x, scales = train['x'], train['scales']
    folder = Path(a.checkpoint_dir or tempfile.mkdtemp(prefix='stacked-'))
    how = 'alone' if a.alone else 'stacked'
    t0 = time.perf_counter()
    fit(x, preset=a.preset, seeds=a.seeds, stack=not a.alone, ema=0.999, n_iter=a.n_iter,
        checkpoint_dir=folder, progress=False)
    seconds = time.perf_counter() - t0
    print(f'{len(a.seeds)} runs of {a.preset} {how}: {seconds:.0f} s of training', flush=True)
    machine = machine_name('cuda' if torch.cuda.is_available() else 'cpu')
    note = (f'{len(a.seeds)} runs {how} (seeds {", ".join(map(str, a.seeds))}) on {machine}, '
            f'{seconds:,.0f} s of training: python benchmarks/stacked_fidelity.py ' + ' '.join(sys.argv[1:]))
    rows, sticks = [], yardsticks(x, scales)
    for seed in a.seeds:
        for weights, average in (('last', False), ('average', True)):
            G = load_generator(folder / f'seed-{seed}', average=average)
            row = dict(recipe=a.preset, seed=seed, route=f'shipped patches, {how}',
                       arithmetic=arithmetic(folder / f'seed-{seed}'), weights=weights,
                       **score(G, x, sticks), note=note)
            print(row, flush=True); rows.append(row)
    if a.csv: append_rows(a.csv, rows)

if __name__ == '__main__':
    a = args()
    with_malloc_env()
    main(a)

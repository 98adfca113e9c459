"""A private mean embedding (DP-MERF, `private.fit_embedding`) at several epsilons: fidelity and membership
attacks, as dp_tradeoff.py measures DP-SGD's runs.

    python benchmarks/dp_embedding.py --epsilon none 10 1                      # about 8 minutes on 2 cores
    python benchmarks/dp_embedding.py --epsilon none 10 --freq 1000 --append   # adds to the rows there

Each run: `fit_embedding(x, patients, epsilon, n_iter=--iters, n_freq=--freq, seed=0)` on the shipped training
patches. Fidelity is scored as `reproduce` scores (the 2x target with its chance floor, SWD, KID, the DCR
audit's flags); the attacks are those on samples of benchmarks/membership_audit.py (204 members, --fresh new
patients, --samples samples; there is no discriminator). Writes one row per run and measure to
assets/results/dp_embedding.csv and 8 samples per run (z seed 0, keyed 'RECIPE | EPSILON') to dp_embedding.npz;
with --append, the rows and samples of other recipes and epsilons already there are kept.
"""
import argparse, time
from pathlib import Path
import numpy as np
from _shared import attack_rows, audit_setup, with_malloc_env, write_rows

BATCH = 500   # samples of G per step (fit_embedding's default)

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--epsilon', nargs='+', default=['none', '10', '1'], help="'none': no noise")
    ap.add_argument('--iters', type=int, default=3000)
    ap.add_argument('--freq', type=int, default=50, help='frequencies per bandwidth')
    ap.add_argument('--fresh', type=int, default=1300, help='non-member patients (phantom seed 1)')
    ap.add_argument('--samples', type=int, default=5000, help='samples the attacker draws')
    ap.add_argument('--work', default='runs/membership', help='where the fresh patients are written')
    ap.add_argument('--boot', type=int, default=1000)
    ap.add_argument('--append', action='store_true', help='keep the other runs already in the files')
    ap.add_argument('--out', default=None, help='folder of the files (default: assets/results)')
    return ap.parse_args()

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from stacked_fidelity import score
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.private import EMBEDDING_BANDWIDTHS, fit_embedding, epsilon_spent
    from prostate_gan_nb.results import RESULTS
    (tr, c, reference, sticks), rows, samples = audit_setup(a), [], {}
    for eps in a.epsilon:
        G, z = fit_embedding(tr['x'], tr['patient'], None if eps == 'none' else float(eps),
                             n_iter=a.iters, batch_size=BATCH, n_freq=a.freq, progress=False)
        widths = len(EMBEDDING_BANDWIDTHS)
        run = dict(recipe=f'mean embedding, {a.freq:,} x {widths} frequencies, {a.iters:,} x {BATCH}',
                   epsilon=eps,
                   epsilon_spent=epsilon_spent(z, 1., 1) if z else np.nan,
                   noise_multiplier=z or np.nan)
        rows += [dict(run, measure=k, value=v) for k, v in score(G, tr['x'], sticks).items()]
        samples[f"{run['recipe']} | {eps}"] = pv.generator_samples(G, 8, seed=0)
        table, _ = pv.membership_audit(G, c, reference, n_samples=a.samples, n_boot=a.boot)
        rows += attack_rows(table, run)
        print(f'epsilon {eps}: {time.time() - t0:.0f} s', flush=True)
    dest = Path(a.out or RESULTS) / 'dp_embedding.csv'
    write_rows(dest, dest.with_name('dp_embedding.npz'), rows, samples, a.append)
    print(f'wrote {dest} and dp_embedding.npz in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

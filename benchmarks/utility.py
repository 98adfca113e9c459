"""What synthetic patches do for a ClinSig classifier, and whether a classifier tells them from the truth.

    python benchmarks/utility.py          # about 30 minutes on 2 CPU cores

One fixed classifier (`utility.train_classifier`), --seeds seeds per row, tested on --test fresh labelled
ground-truth patches (sampler seed 7000). Rows (experiment, training data):
- ceiling: trained on fresh ground truth of the training set's size and of 10 times it: what a perfect
  generator's labelled samples would give (train on synthetic, test on real, for the ideal generator);
- real: the shipped 330 training patches (204 patients), and a third of the patients (a new cut per seed);
- augmented: each of those plus 3 times as many fresh ground-truth patches (the ideal generator's help);
- c2st: classifier two-sample tests against fresh ground truth of the training set, of lesions extracted
  from new patients' files (--work, as benchmarks/yardstick.py), of the shipped generators' samples and of
  matched noise, --c2st patches per set where there are as many; sets of patients are cut between whole
  patients; and, for this project's best generator, the same test on one channel at a time and on both
  sets blurred (where the classifier finds the difference).

Writes one row per experiment and seed to assets/results/utility.csv.
"""
import argparse, time
from pathlib import Path
import numpy as np
import pandas as pd
from _shared import with_malloc_env

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', type=int, default=3)
    ap.add_argument('--test', type=int, default=5000, help='labelled ground-truth test patches')
    ap.add_argument('--c2st', type=int, default=2000, help='patches per set in the two-sample tests')
    ap.add_argument('--fresh', type=int, default=1300, help='new patients written (phantom seed 1)')
    ap.add_argument('--work', default='runs/membership', help='where the fresh patients are written')
    ap.add_argument('--out', default=None, help='folder of the CSV file (default: assets/results)')
    ap.add_argument('--c2st-only', action='store_true',
                    help="run only the two-sample tests; keep the CSV's other rows")
    return ap.parse_args()

def clinsig_rows(a, tr, seeds, t0):
    "The ClinSig classifier's rows: ceiling, real and augmented training sets"
    from prostate_gan_nb import utility as ut
    x_test, y_test = ut.labelled_truth(a.test, tr['scales'], seed=7000)
    n = len(tr['x'])
    big_x, big_y = ut.labelled_truth(10 * n, tr['scales'], seed=7100)
    print(f'test {len(x_test)} ({y_test.mean():.1%} ClinSig); {time.time() - t0:.0f} s')
    rows = []
    def score(experiment, data, x, y, seed):
        model = ut.train_classifier(x, y, seed)
        rows.append(dict(experiment=experiment, data=data, n_train=len(x), seed=seed,
                         auc=ut.auc(ut.predict(model, x_test), y_test), n_test=len(x_test)))
        print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    for s in seeds:
        score('ceiling', 'ground truth, 1x', big_x[s * n:(s + 1) * n], big_y[s * n:(s + 1) * n], s)
        score('ceiling', 'ground truth, 10x', big_x, big_y, s)
        third = ut.patient_subset(tr['patient'], 1 / 3, seed=s)
        for name, keep in (('330 real', np.ones(n, bool)), ('a third of the patients', third)):
            x, y = tr['x'][keep], tr['labels'][keep]
            score('real', name, x, y, s)
            extra = np.random.default_rng(s).choice(len(big_x), 3 * len(x), replace=False)
            score('augmented', f'{name} + 3x ground truth', np.concatenate([x, big_x[extra]]),
                  np.concatenate([y, big_y[extra]]), s)
    return rows

def probe_rows(samples, truth, t0):
    "Where the classifier tells `samples` from `truth`: one channel at a time, and both blurred"
    from scipy.ndimage import gaussian_filter
    from prostate_gan_nb import utility as ut
    channel = lambda c: lambda x: x[:, [c]]
    blurred = lambda sd: lambda x: gaussian_filter(x, (0, 0, sd, sd))
    probes = {f'{ch} only': channel(c) for c, ch in enumerate(('T2', 'ADC', 'Ktrans'))}
    probes.update({f'blurred (Gaussian, sd {sd:g} px)': blurred(sd) for sd in (0.7, 1.5)})
    rows = []
    for name, f in probes.items():
        rows.append(dict(experiment='c2st probe', data=f"this project's best, {name}", seed=0,
                         **ut.c2st(f(samples), f(truth), seed=0)))
        print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    return rows

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from prostate_gan_nb import utility as ut
    from prostate_gan_nb.privacy import fresh_patients, generator_samples
    from prostate_gan_nb.results import (RESULTS, SHIPPED, PAPER_GENERATOR, load_train_patches,
                                         ground_truth, matched_noise)
    from prostate_gan_nb.train import load_generator
    tr, seeds = load_train_patches(), range(a.seeds)
    dest = Path(a.out or RESULTS) / 'utility.csv'
    rows = clinsig_rows(a, tr, seeds, t0) if not a.c2st_only else \
        pd.read_csv(dest).query("experiment != 'c2st'").to_dict('records')
    files = fresh_patients(a.fresh, tr['scales'], seed=1, root=Path(a.work) / 'fresh-seed1')
    truth = ground_truth(a.c2st, tr['scales'], seed=7200)
    sets = {'training set': (tr['x'], tr['patient']), 'lesions extracted from new patients': files,
            "this project's best": (generator_samples(load_generator(SHIPPED), a.c2st), None),
            "paper's recipe": (generator_samples(load_generator(PAPER_GENERATOR), a.c2st), None),
            'matched noise': (matched_noise(tr['x'], a.c2st), None)}
    for name, (x, groups) in sets.items():
        for s in seeds:
            rows.append(dict(experiment='c2st', data=name, seed=s,
                             **ut.c2st(x, truth, seed=s, groups=groups)))
            print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    rows += probe_rows(sets["this project's best"][0], truth, t0)
    pd.DataFrame(rows).round(4).to_csv(dest, index=False)
    print(f'wrote {dest} in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

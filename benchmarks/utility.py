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
- gan (part `gan`): runs trained here first, into --runs (resumed where they stopped): --gan-runs
  ClinSig-conditional `extended` runs on the 330 patches (seeds 0, 1 ...: `conditional`,
  `conditional-1` ...), one on the third of the patients that seed 0 cuts, and an `authors` run (its
  K+1 discriminator); seed 0 where not said, weight average 0.999, the presets' schedules (about 30,
  25 and 20 minutes each alone on 2 CPU cores). Rows, for each conditional run (column `run`: its
  seed): train on synthetic (its labelled samples, 1x and 10x the training set), the 330 augmented
  with 3x its samples, train on real and test on synthetic (5,000 of its samples), its two-sample
  test; for the mixture of the conditional runs (`run` = mixture), train on synthetic and the
  two-sample test; the third alone and with 3x samples of the GAN of that third; the K+1
  discriminator's own ClinSig score.

Writes one row per experiment and seed to assets/results/utility.csv (column `part`); `--parts` runs some
parts and keeps the CSV's rows of the others.
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
    ap.add_argument('--parts', nargs='+', choices=PARTS, default=PARTS,
                    help="the parts to run; the CSV's rows of the others are kept")
    ap.add_argument('--runs', default='runs/utility', help='where the gan part trains its runs')
    ap.add_argument('--gan-runs', type=int, default=2, help='conditional runs (seeds 0 ...) in the '
                    'gan part, each scored alone, and their mixture (default: 2)')
    ap.add_argument('--iters', type=int, help="the gan part's schedule (default: the presets'; "
                    'a few iterations make a smoke test)')
    ap.add_argument('--ship', action='store_true', help='copy the conditional run\'s generator into '
                    'the package (results.CONDITIONAL_GENERATOR)')
    return ap.parse_args()

PARTS = ('clinsig', 'c2st', 'gan')

def test_set(a, tr):
    "The labelled ground-truth test set of every ClinSig row"
    from prostate_gan_nb.utility import labelled_truth
    return labelled_truth(a.test, tr['scales'], seed=7000)

def scored(part, experiment, data, x, y, seed, test, t0):
    "The row of the classifier trained on (x, y) with `seed`, tested on `test` (patches, labels)"
    from prostate_gan_nb import utility as ut
    model = ut.train_classifier(x, y, seed)
    row = dict(part=part, experiment=experiment, data=data, n_train=len(x), seed=seed,
               auc=ut.auc(ut.predict(model, test[0]), test[1]), n_test=len(test[0]))
    print(row, f'{time.time() - t0:.0f} s', flush=True)
    return row

def clinsig_rows(a, tr, seeds, t0):
    "The ClinSig classifier's rows: ceiling, real and augmented training sets"
    from prostate_gan_nb import utility as ut
    test = test_set(a, tr)
    n = len(tr['x'])
    big_x, big_y = ut.labelled_truth(10 * n, tr['scales'], seed=7100)
    print(f'test {len(test[0])} ({test[1].mean():.1%} ClinSig); {time.time() - t0:.0f} s')
    rows = []
    score = lambda *row: rows.append(scored('clinsig', *row, test, t0))
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
        rows.append(dict(part='c2st', experiment='c2st probe', data=f"this project's best, {name}",
                         seed=0,
                         **ut.c2st(f(samples), f(truth), seed=0)))
        print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    return rows

def c2st_rows(a, tr, seeds, t0):
    "Two-sample tests of the training set, extracted lesions, both shipped generators and noise"
    from prostate_gan_nb import utility as ut
    from prostate_gan_nb.privacy import fresh_patients, generator_samples
    from prostate_gan_nb.results import SHIPPED, PAPER_GENERATOR, matched_noise
    from prostate_gan_nb.train import load_generator
    files = fresh_patients(a.fresh, tr['scales'], seed=1, root=Path(a.work) / 'fresh-seed1')
    truth = c2st_truth(a, tr)
    sets = {'training set': (tr['x'], tr['patient']), 'lesions extracted from new patients': files,
            "this project's best": (generator_samples(load_generator(SHIPPED), a.c2st), None),
            "paper's recipe": (generator_samples(load_generator(PAPER_GENERATOR), a.c2st), None),
            'matched noise': (matched_noise(tr['x'], a.c2st), None)}
    rows = []
    for name, (x, groups) in sets.items():
        for s in seeds:
            rows.append(dict(part='c2st', experiment='c2st', data=name, seed=s,
                             **ut.c2st(x, truth, seed=s, groups=groups)))
            print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    return rows + probe_rows(sets["this project's best"][0], truth, t0)

def c2st_truth(a, tr):
    "The fresh ground truth every two-sample test compares with"
    from prostate_gan_nb.results import ground_truth
    return ground_truth(a.c2st, tr['scales'], seed=7200)

def gan_runs(a, tr, third):
    "Train (or resume, or load finished) the gan part's runs: conditional ones, its third, authors"
    from prostate_gan_nb.train import fit
    run = lambda name, keep, preset, seed=0, **kw: fit(
        tr['x'][keep], tr['labels'][keep], preset, seed=seed, ema=0.999, progress=False,
        n_iter=a.iters, checkpoint_dir=Path(a.runs) / name, resume=True, **kw)
    everyone = np.ones(len(tr['x']), bool)
    conditional = [run(_numbered('conditional', s), everyone, 'extended', s, n_labels=2)[0]
                   for s in range(a.gan_runs)]
    return (conditional, run('conditional-third', third, 'extended', n_labels=2)[0],
            run('authors', everyone, 'authors')[1])

def _numbered(name, k): return name if k == 0 else f'{name}-{k}'   # run k's folder

def ship_conditional(a, tr):
    "The conditional run's generator (and weight average) into the package, with its provenance"
    import sys
    from prostate_gan_nb.results import CONDITIONAL_GENERATOR, export_generator
    export_generator(Path(a.runs) / 'conditional', CONDITIONAL_GENERATOR,
                     command=' '.join(['python', *sys.argv]), data='the shipped training patches '
                     f"({len(tr['x'])}, with their ClinSig labels)", scales=tr['scales'],
                     channels=tr['channels'], norm='dataset', n_patches=len(tr['x']))

def kplus1_score(D, x):
    "The K+1 discriminator's ClinSig score: its class-1 logit minus its class-0 logit (eval mode)"
    import torch
    with torch.no_grad(): logits = D.eval()(torch.as_tensor(x))
    return (logits[:, 1] - logits[:, 0]).numpy()

def gan_rows(a, tr, seeds, t0):
    "What the conditional GANs' labelled samples and the K+1 discriminator do for ClinSig"
    from prostate_gan_nb import utility as ut
    from prostate_gan_nb.models import GeneratorMixture
    third = ut.patient_subset(tr['patient'], 1 / 3, seed=0)
    Gs, G3, D = gan_runs(a, tr, third)
    print(f'runs ready; {time.time() - t0:.0f} s', flush=True)
    if a.ship: ship_conditional(a, tr)
    test, truth, n = test_set(a, tr), c2st_truth(a, tr), len(tr['x'])
    rows = [r for run, G in enumerate(Gs)
            for r in conditional_rows(a, tr, G, 'conditional GAN', run, seeds, test, truth, t0)]
    if len(Gs) > 1:
        rows += conditional_rows(a, tr, GeneratorMixture(Gs), f'mixture of {len(Gs)} conditional '
                                 'GANs', 'mixture', seeds, test, truth, t0, ('synthetic', 'c2st'))
    x, y = tr['x'][third], tr['labels'][third]
    name = 'a third of the patients (cut 0)'
    for s in seeds:
        rows.append(scored('gan', 'real', name, x, y, s, test, t0))
        gx, gy = ut.labelled_samples(G3, 3 * len(x), 200 + s)
        rows.append(dict(scored('gan', 'augmented', f'{name} + 3x conditional GAN',
                                np.concatenate([x, gx]), np.concatenate([y, gy]), s, test, t0),
                         run=0))
    rows.append(dict(part='gan', experiment='k+1 discriminator', data="the authors' K+1 D, 330 real",
                     n_train=n, seed=0, auc=ut.auc(kplus1_score(D, test[0]), test[1]),
                     n_test=len(test[0]), run=0))
    return rows

def conditional_rows(a, tr, G, name, run, seeds, test, truth, t0,
                     only=('synthetic', 'augmented', 'trts', 'c2st')):
    "One conditional generator's rows, `name` in their data (column `run`: its seed, or 'mixture')"
    from prostate_gan_nb import utility as ut
    from prostate_gan_nb.privacy import generator_samples
    rows, n = [], len(tr['x'])
    score = lambda *row: rows.append(dict(scored('gan', *row, t0), run=run))
    synthetic_test = ut.labelled_samples(G, a.test, 300) if 'trts' in only else None
    for s in seeds:
        for k in (1, 10) if 'synthetic' in only else ():
            samples = ut.labelled_samples(G, k * n, 100 + s)
            score('synthetic', f'{name}, {k}x', *samples, s, test)
        if 'augmented' in only:
            gx, gy = ut.labelled_samples(G, 3 * n, 200 + s)
            score('augmented', f'330 real + 3x {name}', np.concatenate([tr['x'], gx]),
                  np.concatenate([tr['labels'], gy]), s, test)
        if 'trts' in only:
            score('trts', f'330 real, tested on {name}', tr['x'], tr['labels'], s,
                  synthetic_test)
        if 'c2st' in only:
            rows.append(dict(part='gan', experiment='c2st', data=name, seed=s,
                             run=run, **ut.c2st(generator_samples(G, a.c2st), truth, seed=s)))
            print(rows[-1], f'{time.time() - t0:.0f} s', flush=True)
    return rows

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from prostate_gan_nb.results import RESULTS, load_train_patches
    tr, seeds = load_train_patches(), range(a.seeds)
    dest = Path(a.out or RESULTS) / 'utility.csv'
    kept = pd.read_csv(dest).query('part not in @a.parts') if len(a.parts) < len(PARTS) else None
    made = {'clinsig': clinsig_rows, 'c2st': c2st_rows, 'gan': gan_rows}
    rows = [r for part in a.parts for r in made[part](a, tr, seeds, t0)]
    out = pd.concat([kept, pd.DataFrame(rows)]) if kept is not None else pd.DataFrame(rows)
    order = {part: i for i, part in enumerate(PARTS)}
    out = out.sort_values('part', key=lambda p: p.map(order), kind='stable')
    out.round(4).to_csv(dest, index=False)
    print(f'wrote {dest} in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

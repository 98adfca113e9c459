"""Membership-inference audit of the shipped generators on synthetic patients (`prostate_gan_nb.privacy`).

    python benchmarks/membership_audit.py --paper-run RUN        # about 10 minutes on 2 CPU cores
    python benchmarks/membership_audit.py --paper-run RUN --shadows 2 --shadow-dir DIR   # + LiRA (hours)
    python benchmarks/membership_audit.py --shadows 8 --shadow-dir DIR --train-shadows 4 5   # on one machine

Members: the 330 training lesions of the shipped generators (204 patients of the synthetic data set, seed 0).
Non-members: --fresh new patients written by the phantom with seed 1 and extracted the same way. Each
generator is attacked with --samples samples (seed 0); the calibration reference is as many fresh
ground-truth patches (seed 5000). RUN is the folder of `prostate-gan reproduce --seed 0 --exact` (the paper's
recipe, as PAPER_GENERATOR was made): its checkpoint holds D, so that run is attacked as a third generator,
with the white-box attack too (the gap between its G and PAPER_GENERATOR's is printed and noted). With
--shadows M, M shadow runs of the paper's recipe are trained on halves of a pool (the members and as many
non-member patients) and LiRA attacks PAPER_GENERATOR on that pool. Shadows come in complementary pairs
(`privacy.shadow_splits`): a larger M keeps the shadows already in DIR and trains the new ones, and with
--train-shadows a machine trains only the shadows it names into DIR (a shared folder) and stops, so that
shadows can be spread over machines; the audit run afterwards finds them trained.

Writes the report rows to assets/results/membership.csv and the ROC points to membership_roc.csv.
"""
import argparse, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from _shared import with_malloc_env

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fresh', type=int, default=1300, help='non-member patients (phantom seed 1)')
    ap.add_argument('--samples', type=int, default=5000, help="samples drawn from each generator")
    ap.add_argument('--paper-run', default=None, help='a `reproduce --seed 0 --exact` folder (for D)')
    ap.add_argument('--shadows', type=int, default=0, help='LiRA shadow runs (even; 0: no LiRA)')
    ap.add_argument('--shadow-dir', default='runs/shadows')
    ap.add_argument('--train-shadows', type=int, nargs='+', default=None,
                    help='train only these of the --shadows shadows, then stop (no audit)')
    ap.add_argument('--work', default='runs/membership', help='where the fresh patients are written')
    ap.add_argument('--boot', type=int, default=1000)
    ap.add_argument('--out', default=None, help='folder for the two CSV files (default: assets/results)')
    return ap.parse_args()

def _max_gap(a, b):
    return max(float((x - y).abs().max()) for x, y in zip(a.state_dict().values(), b.state_dict().values()))

def paper_rerun(run):
    "G (weight average) and D of a `reproduce --seed 0 --exact` run, and a note of its gap to PAPER_GENERATOR"
    from prostate_gan_nb.results import PAPER_GENERATOR
    from prostate_gan_nb.train import load_checkpoint, load_generator
    st = load_checkpoint(Path(run) / 'checkpoint')
    gap = _max_gap(st.G_avg, load_generator(PAPER_GENERATOR))
    print(f'paper run {run}: step {st.step}, largest weight gap to PAPER_GENERATOR {gap:.3g}')
    return st.G_avg.eval(), st.D, (f'reproduce --seed 0 --exact, re-run on this machine (step {st.step}): '
                                   f'G and D; its G differs from PAPER_GENERATOR by up to {gap:.2f} '
                                   'in a weight')

def train_shadows(c, args, only=None, seed=0):
    "LiRA's shadow runs of the paper's recipe on the pool (`only`: those shadows), trained or resumed"
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.train import SPEED_OFF
    pool = pool_of(c, seed)
    return pool, *pv.shadow_runs(pool, args.shadows, args.shadow_dir, seed=100, only=only,
                                 preset='paper', ema=0.999, progress=False, **SPEED_OFF)

def lira_rows(c, target, context, args, seed=0):
    "LiRA against `target` (G, D or None) on a pool of the members and as many others: samples, and D"
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.train import load_checkpoint
    pool, dirs, inside = train_shadows(c, args, seed=seed)
    shadows = [load_checkpoint(d) for d in dirs]
    samples = lambda G: pv.dcr_statistic(pool.x, pv.generator_samples(G, args.samples))
    judged = lambda D: pv.discriminator_statistic(pool.x, D, context)
    stats = {'LiRA (samples)': (samples(target[0]), [samples(st.G_avg) for st in shadows])}
    if target[1] is not None: stats['LiRA (discriminator)'] = (judged(target[1]),
                                                              [judged(st.D) for st in shadows])
    stats = {k: pv.lira_statistic(t, np.stack(s), inside) for k, (t, s) in stats.items()}
    return pv.audit_table(stats, pool, args.boot, seed), pv.attack_curves(stats, pool)

def pool_of(c, seed):
    "The members and as many non-member patients, drawn at random"
    from prostate_gan_nb.privacy import Candidates, patient_membership
    m = patient_membership(c)
    others = np.random.default_rng(seed).choice(m.index[~m.to_numpy()], int(m.sum()), replace=False)
    keep = c.member | np.isin(c.patient, others)
    return Candidates(c.x[keep], c.patient[keep], c.member[keep])

def curve_rows(name, curves, grid=np.geomspace(1e-3, 1, 61)):
    "ROC points on a log grid of FPR: the best TPR at FPR <= each grid value"
    rows = []
    for attack, (fpr, tpr) in curves.items():
        for f in grid:
            ok = fpr <= f + 1e-12
            rows.append(dict(generator=name, attack=attack, fpr=round(float(f), 6),
                             tpr=round(float(tpr[ok].max()) if ok.any() else 0., 4)))
    return rows

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.results import (RESULTS, SHIPPED, PAPER_GENERATOR, load_train_patches,
                                         ground_truth)
    from prostate_gan_nb.train import load_generator
    tr = load_train_patches()
    others = pv.fresh_patients(a.fresh, tr['scales'], seed=1, root=Path(a.work) / 'fresh-seed1')
    c = pv.candidates(tr['x'], tr['patient'], *others)
    print(f'{c.member.sum()} member lesions, {(~c.member).sum()} others; {time.time() - t0:.0f} s')
    if a.train_shadows:
        train_shadows(c, a, only=a.train_shadows)
        return print(f'shadows {a.train_shadows} of {a.shadows} trained in {time.time() - t0:.0f} s')
    reference = ground_truth(a.samples, tr['scales'], seed=5000)
    context = ground_truth(99, tr['scales'], seed=6000)   # the paper's 200 reals over 2 shards, less one
    gens = {"this project's best": (load_generator(SHIPPED), None, 'SHIPPED: samples only'),
            "paper's recipe": (load_generator(PAPER_GENERATOR), None,
                                                'PAPER_GENERATOR: samples only')}
    if a.paper_run: gens["paper's recipe, re-run"] = paper_rerun(a.paper_run)
    tables, curves = [], []
    for name, (G, D, note) in gens.items():
        t, cv = pv.membership_audit(G, c, reference, D, context, a.samples, a.boot)
        tables.append(t.assign(generator=name, note=note)); curves += curve_rows(name, cv)
        print(name, f'{time.time() - t0:.0f} s'); print(t.round(3).to_string())
    if a.shadows:   # the re-run when given (its D too), else PAPER_GENERATOR's samples
        name = "paper's recipe, re-run" if a.paper_run else "paper's recipe"
        t, cv = lira_rows(c, gens[name], context, a)
        tables.append(t.assign(generator=name, note=f'LiRA: {a.shadows} shadow runs of the paper recipe, '
                               'each on half of a pool of the 204 members and 204 others'))
        curves += curve_rows(name, cv); print(t.round(3).to_string())
    out, dest = pd.concat(tables), Path(a.out or RESULTS)
    out = out[['generator'] + [k for k in out.columns if k != 'generator']]
    out.assign(samples=a.samples).round(4).to_csv(dest / 'membership.csv', index=False)
    pd.DataFrame(curves).to_csv(dest / 'membership_roc.csv', index=False)
    print(f'wrote {dest / "membership.csv"} and membership_roc.csv in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

"""The price of differential privacy: fidelity and membership attacks of private runs against the same recipe
without DP (`prostate_gan_nb.private`).

    python benchmarks/dp_tradeoff.py --run none=RUN0 --run 10=RUN10 --run 1=RUN1   # about 10 minutes
    python benchmarks/dp_tradeoff.py --append --run none=RUN2 --run 10=RUN3    # adds to the rows there
    python benchmarks/dp_tradeoff.py --append --run 10=RUN4 --cohort 20000     # a run of dp_cohort.py

Each RUN is a checkpoint folder of `fit` on the shipped training patches (seed 0, ema 0.999): 'none' a run
without DP (e.g. `prostate-gan reproduce --seed 0 --exact`'s checkpoint folder), the others
`fit(x, patients=ids, dp=dict(epsilon=EPS), ...)`; the short schedules of the shipped rows were
`fit(x, preset='extended', discriminator=dict(batch_std=False), n_iter=2000, batch_size=100, ...)` (and
1,000 x 200; one without DP at lr_g=lr_d=1e-3; narrower discriminators with
`discriminator=dict(batch_std=False, width=W)`, W = 16, 8, 4, and W = 8 on 15,000 x 200). Each row
names the run's recipe (column `recipe`, read from the checkpoint: the preset, the settings that
differ from it, the schedule). Fidelity is scored as
`reproduce` scores (the 2x target with its chance floor, SWD, KID, the DCR audit's flags; last and
averaged weights); the attacks are those of benchmarks/membership_audit.py (204 members, --fresh new
patients, --samples samples), on the averaged weights and the run's D. With --cohort N the runs were trained
by benchmarks/dp_cohort.py on its cohort of N patients: the recipe names the cohort, the attack's members are
the cohort's first patients (as many lesions as the shipped training set), its non-members --fresh new patients
drawn as the cohort is (one lesion each), and the distance audit flags samples against those members.

Writes one row per run, weights and measure to assets/results/dp_tradeoff.csv, and 8 samples of each run's
averaged weights (z seed 0, keyed 'RECIPE | EPSILON') to dp_samples.npz; with --append, the rows and samples
of other recipes and epsilons already there are kept.
"""
import argparse, time
from pathlib import Path
import numpy as np
from _shared import attack_rows, audit_setup, shipped_candidates, with_malloc_env, write_rows

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--run', action='append', required=True, help="EPSILON=FOLDER, 'none' for no DP")
    ap.add_argument('--fresh', type=int, default=1300, help='non-member patients (phantom seed 1)')
    ap.add_argument('--samples', type=int, default=5000, help='samples the attacker draws')
    ap.add_argument('--work', default='runs/membership', help='where the fresh patients are written')
    ap.add_argument('--boot', type=int, default=1000)
    ap.add_argument('--out', default=None, help='folder of the CSV file (default: assets/results)')
    ap.add_argument('--append', action='store_true', help='keep the other runs already in the files')
    ap.add_argument('--cohort', type=int, default=None, help="the runs' cohort of dp_cohort.py (patients)")
    return ap.parse_args()

def private_settings(st):
    "Epsilon spent, noise multiplier and steps of a checkpoint (NaN without DP)"
    dp = st.meta.get('dp')
    if not dp: return dict(epsilon_spent=np.nan, noise_multiplier=np.nan)
    from prostate_gan_nb.private import epsilon_spent
    spent = epsilon_spent(dp['noise_multiplier'], dp['sample_rate'], st.step, dp['delta'])
    return dict(epsilon_spent=spent, noise_multiplier=dp['noise_multiplier'])

def recipe(st):
    "The run's preset, the settings it changed, its schedule: 'extended, batch_std=False, 2,000 x 100'"
    from prostate_gan_nb.presets import get_preset
    preset, cfg = st.meta['preset'], st.cfg
    as_saved = lambda v: list(v) if isinstance(v, tuple) else v   # the checkpoint keeps lists
    had = lambda s, k, v: cfg[s].get(k, as_saved(v))   # older checkpoints lack later settings
    changed = [f'{k}={cfg[s][k]}' for s, kv in get_preset(preset).items() for k, v in kv.items()
               if s != 'train' or k not in ('n_iter', 'batch_size') if had(s, k, v) != as_saved(v)]
    return ', '.join([preset, *changed, f"{cfg['train']['n_iter']:,} x {cfg['train']['batch_size']}"])

def cohort_candidates(a, tr):
    "dp_cohort.py's first patients as members (as many as the shipped patches), new ones drawn alike as others"
    from dp_cohort import COHORT_SEED, cohort
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.results import ground_truth
    x, ids = cohort(len(tr['x']), tr['scales'])   # the cohort's first patients: its draws go in order
    others = ground_truth(a.fresh, tr['scales'], seed=COHORT_SEED + 1)
    return pv.candidates(x, ids, others, np.arange(a.fresh))

def checked_cohort(st, a, spec):
    "Stop unless the run was trained on a cohort of `a.cohort` patients (when its checkpoint says)"
    n = st.meta.get('dp', {}).get('n_patients', a.cohort)
    if n != a.cohort: raise SystemExit(f'{spec}: trained on {n:,} patients, not --cohort {a.cohort:,}')

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from stacked_fidelity import score
    from prostate_gan_nb import privacy as pv
    from prostate_gan_nb.results import RESULTS, ground_truth
    from prostate_gan_nb.train import load_checkpoint
    runs = [(eps, load_checkpoint(folder)) for eps, folder in (s.split('=', 1) for s in a.run)]
    if a.cohort:
        for (_, st), spec in zip(runs, a.run): checked_cohort(st, a, spec)
    tr, c, reference, sticks = audit_setup(a, cohort_candidates if a.cohort else shipped_candidates)
    rows, samples, suffix = [], {}, f', {a.cohort:,} patients' if a.cohort else ''
    trained_on = c.x[c.member] if a.cohort else None   # the audit's members: those G was trained on
    context = ground_truth(99, tr['scales'], seed=6000)
    for eps, st in runs:
        run = dict(recipe=recipe(st) + suffix, epsilon=eps, step=st.step, **private_settings(st))
        for weights, G in (('last', st.G), ('average', st.G_avg)):
            rows += [dict(run, weights=weights, measure=k, value=v)
                     for k, v in score(G.eval(), tr['x'], sticks, trained_on=trained_on).items()]
        samples[f"{run['recipe']} | {eps}"] = pv.generator_samples(st.G_avg, 8, seed=0)
        table, _ = pv.membership_audit(st.G_avg, c, reference, st.D, context, a.samples, a.boot)
        rows += attack_rows(table, dict(run, weights='average'))
        print(f'epsilon {eps}: step {st.step}; {time.time() - t0:.0f} s', flush=True)
    dest = Path(a.out or RESULTS) / 'dp_tradeoff.csv'
    write_rows(dest, dest.with_name('dp_samples.npz'), rows, samples, a.append)
    print(f'wrote {dest} and dp_samples.npz in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

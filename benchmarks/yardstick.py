"""Does the ground-truth sampler draw what extraction from written files gives? (`phantom.sample_patches`)

    python benchmarks/yardstick.py          # about 15 minutes on 2 CPU cores (5 more to write the patients)

Every fidelity metric (`metrics.fidelity_report`, as distances) of sets of --size patches against one large
sampler reference (--reference patches, seed 5000): the shipped training set (phantom seed 0); --sets sets of
whole patients extracted from --fresh new patients written with seed 1 (several lesions share a patient, as in
the training set); sets of one lesion per patient from the same files; --sets sampler draws. Then all the
extracted lesions against as many sampler patches (the same comparison at a larger size). The fresh patients
and their patch cache are shared with benchmarks/membership_audit.py (--work).

Writes one row per set to assets/results/yardstick.csv.
"""
import argparse, time
from pathlib import Path
import numpy as np
import pandas as pd
from _shared import with_malloc_env

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fresh', type=int, default=1300, help='new patients written (phantom seed 1)')
    ap.add_argument('--size', type=int, default=330, help='patches per set: the training set size')
    ap.add_argument('--sets', type=int, default=6, help='sets of each kind')
    ap.add_argument('--reference', type=int, default=5000, help='sampler patches of the reference')
    ap.add_argument('--work', default='runs/membership', help='where the fresh patients are written')
    ap.add_argument('--out', default=None, help='folder of the CSV file (default: assets/results)')
    return ap.parse_args()

def whole_patients(pid, n_sets, size, rng):
    "Index sets of `size` lesions made of whole patients (the last one cut), disjoint"
    order, out, k = rng.permutation(np.unique(pid)), [], 0
    for _ in range(n_sets):
        take = []
        while len(take) < size:
            take += list(np.flatnonzero(pid == order[k])); k += 1
        out.append(np.array(take[:size]))
    return out

def one_per_patient(pid, size, rng):
    "Disjoint index sets of `size` lesions, each from a patient of its own (as many as there are)"
    first = rng.permutation([np.flatnonzero(pid == p)[0] for p in np.unique(pid)])
    return [first[i:i + size] for i in range(0, len(first) - size + 1, size)]

def main():
    with_malloc_env(); a = args(); t0 = time.time()
    from prostate_gan_nb.metrics import fidelity_report, as_distances
    from prostate_gan_nb.privacy import fresh_patients
    from prostate_gan_nb.results import RESULTS, load_train_patches, ground_truth
    tr, rng = load_train_patches(), np.random.default_rng(0)
    files, pid = fresh_patients(a.fresh, tr['scales'], seed=1, root=Path(a.work) / 'fresh-seed1')
    reference = ground_truth(a.reference, tr['scales'], seed=5000)
    print(f'{len(files)} extracted lesions, {len(reference)} reference patches; {time.time() - t0:.0f} s')
    sets = {('training set', 0): tr['x']}
    sets.update({('files, whole patients', i): files[k]
                 for i, k in enumerate(whole_patients(pid, a.sets, a.size, rng))})
    sets.update({('files, one lesion per patient', i): files[k]
                 for i, k in enumerate(one_per_patient(pid, a.size, rng))})
    sets.update({('sampler', i): ground_truth(a.size, tr['scales'], seed=100 + i) for i in range(a.sets)})
    large = {('files, all', 0): files,
             ('sampler, as many', 0): ground_truth(len(files), tr['scales'], seed=200)}
    rows = []
    for group in (sets, large):
        rep = fidelity_report({f'{k} {i}': x for (k, i), x in group.items()}, reference, seed=0)
        d = as_distances(rep).reset_index(drop=True)
        means = pd.DataFrame([x.mean((0, 2, 3)) for x in group.values()], columns=['mean_T2', 'mean_ADC',
                                                                                    'mean_Ktrans'])
        size = min(len(x) for x in group.values())   # the report's size: every set cut to it
        keys = pd.DataFrame([dict(kind=k, set=i, size=size) for k, i in group])
        rows.append(pd.concat([keys, d, means], axis=1))
        print(f'scored {len(group)} sets; {time.time() - t0:.0f} s')
    out = pd.concat(rows, ignore_index=True)
    dest = Path(a.out or RESULTS) / 'yardstick.csv'
    out.round(5).to_csv(dest, index=False)
    print(out.groupby('kind', sort=False).mean(numeric_only=True).round(4).T.to_string())
    print(f'wrote {dest} in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

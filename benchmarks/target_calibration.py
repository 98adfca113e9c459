"""How often a perfect sampler meets the project's 2x fidelity target, with and without the chance floor.

    python benchmarks/target_calibration.py               # 16 test draws, floor from 8 other draws (~4 min, 2 cores)
    python benchmarks/target_calibration.py --test-draws 32

A "perfect sampler" is a fresh draw of the synthetic data set's ground truth (`results.ground_truth`) of the
training set's size. Each draw is judged exactly as `reproduce` judges the GAN: against the shipped training
patches (`results.load_train_patches`) and the same 1,000 reference patches (seed 1000). The chance floor is the
one `reproduce` uses at q=1: `results.ground_truth_floor` with seeds 3000-3007 (the largest of those draws'
distances; `--q` adds other quantiles); the test draws (seeds 4000 on) are independent of it. Printed: per floor, how many test draws pass all
17 metrics, and how often each metric fails.
"""
import argparse
from collections import Counter
import numpy as np
import pandas as pd
from prostate_gan_nb.metrics import fidelity_report, target_ratios, noise_floor, chance_floor
from prostate_gan_nb.results import load_train_patches, ground_truth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--test-draws', type=int, default=16, help='perfect-sampler draws to judge')
    ap.add_argument('--floor-draws', type=int, default=8, help='draws behind the chance floor (reproduce: 8)')
    ap.add_argument('--q', type=float, nargs='+', default=[0.5, 0.75, 1.0], help="quantiles of the floor draws' distances")
    a = ap.parse_args()
    train = load_train_patches(); x, scales = train['x'].astype(np.float32), train['scales']
    ref = ground_truth(1000, scales, seed=1000)
    floor_sets = [ground_truth(len(x), scales, seed=3000 + i) for i in range(a.floor_draws)]
    tests = {f'draw {4000 + i}': ground_truth(len(x), scales, seed=4000 + i) for i in range(a.test_draws)}
    report = fidelity_report({'train': x, **tests}, ref, n=len(x))
    floors = {'none (KID spread only)': noise_floor(report, 'train'),
              **{f'chance, q={q}': noise_floor(report, 'train', chance_floor(floor_sets, ref, q=q)) for q in a.q}}
    rows = []
    for name, floor in floors.items():
        judged = [target_ratios(report, t, 'train', floor=floor) for t in tests]
        fails = Counter(m for j in judged for m in j.index[~j.ok])
        rows.append(dict(floor=name, pass_all=f"{sum(j.ok.all() for j in judged)} of {len(judged)}",
                         mean_passed=np.mean([j.ok.sum() for j in judged]).round(2),
                         failed=', '.join(f'{m} ({k})' for m, k in fails.most_common()) or '-'))
    print(f'{len(tests)} perfect-sampler draws of {len(x)} patches against the shipped training patches, 17 metrics:')
    print(pd.DataFrame(rows).set_index('floor').to_string())


if __name__ == '__main__': main()

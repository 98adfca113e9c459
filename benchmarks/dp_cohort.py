"""What differential privacy needs of the cohort: the private recipe of dp_tradeoff.py trained on many more
phantom patients than ProstateX has (`prostate_gan_nb.private`).

    python benchmarks/dp_cohort.py --patients 20000 --epsilon 10 --train   # about an hour on 2 cores
    python benchmarks/dp_tradeoff.py --append --run 10=runs/dp-cohort/20000-eps10 --cohort 20000
    python benchmarks/dp_cohort.py --patients 20000 --epsilon inf --train  # clipped, no noise

The cohort is fresh ground truth of the phantom (`results.ground_truth`, seed COHORT_SEED): one lesion per
patient, each patient drawn anew, normalised as the shipped training patches. The recipe is dp_tradeoff.py's
longest private one: `extended` without D's batch feature, 15,000 x 200, weight average 0.999, seed 0. A stopped
run goes on from its last checkpoint when started again. --epsilon inf clips each patient's gradient as the
private runs do but adds no noise (no guarantee): it says how much of what DP costs is the clipping's.
"""
import argparse, time
from pathlib import Path
import numpy as np

COHORT_SEED = 20000   # apart from the seeds of the yardsticks and the audits (1000 .. 6000)

def args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--patients', type=int, required=True, help='patients in the cohort, one lesion each')
    ap.add_argument('--epsilon', type=float, default=10., help='inf: clipped, no noise')
    ap.add_argument('--train', action='store_true', help='train (or resume) the run')
    ap.add_argument('--dir', default='runs/dp-cohort', help='the run goes into DIR/PATIENTS-epsEPSILON')
    return ap.parse_args()

def cohort(n_patients, scales):
    "The cohort's patches and patients: fresh ground truth, one lesion per patient"
    from prostate_gan_nb.results import ground_truth
    return ground_truth(n_patients, scales, seed=COHORT_SEED), np.arange(n_patients)

def run_dir(a): return Path(a.dir) / f'{a.patients}-eps{a.epsilon:g}'

def train(a):
    "The private recipe on the cohort, trained or resumed in `run_dir(a)`"
    import torch
    from prostate_gan_nb.results import load_train_patches
    from prostate_gan_nb.train import fit
    x, patients = cohort(a.patients, load_train_patches()['scales'])
    dp = dict(noise_multiplier=0.) if a.epsilon == float('inf') else dict(epsilon=a.epsilon)
    return fit(torch.as_tensor(x), patients=patients, dp=dp, preset='extended',
               discriminator=dict(batch_std=False), ema=0.999, seed=0, checkpoint_dir=run_dir(a),
               resume=True, progress=False)

def main():
    from _shared import with_malloc_env
    with_malloc_env(); a = args(); t0 = time.time()
    if a.train:
        train(a)
        print(f'{run_dir(a)} trained in {time.time() - t0:.0f} s')

if __name__ == '__main__':
    main()

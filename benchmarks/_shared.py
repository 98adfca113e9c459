"""What the benchmark scripts share: glibc's allocator settings for the whole process, the machine's name, CSV rows
appended, and the rows and samples an --append run keeps."""
import csv, os, sys

def with_malloc_env():
    "Re-execute this script with `train.MALLOC_ENV` (glibc reads it at start-up) unless it is set already"
    from prostate_gan_nb.train import MALLOC_ENV
    if any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC_ENV})

def machine_name(device):
    "The GPU's name, or the CPU's model and core count"
    import platform, torch
    if device.startswith('cuda'): return torch.cuda.get_device_name()
    with open('/proc/cpuinfo') as f:
        model = next((l.split(':', 1)[1].strip() for l in f if l.startswith('model name')),
                     platform.processor())
    return f'{os.cpu_count()} cores, {model}'

def append_rows(path, rows):
    "Append `rows` (dicts with the same keys) to the CSV file `path`, with a header if it is new"
    new = not os.path.exists(path)
    with open(path, 'a', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new: w.writeheader()
        w.writerows(rows)

def kept(dest, npz, rows, samples):
    "The rows of CSV `dest` and the samples in `npz` whose recipe and epsilon are not among the new ones"
    import numpy as np, pandas as pd
    new = {(r['recipe'], r['epsilon']) for r in rows}
    old = pd.read_csv(dest, dtype={'epsilon': str})
    old = old[[k not in new for k in zip(old.recipe, old.epsilon)]]
    with np.load(npz) as f: return old, {k: f[k] for k in f.files if k not in samples}

def attack_rows(table, run):
    "Rows of each attack's AUC and TPR at 1% FPR, members vs others, from a `membership_audit` table"
    return [dict(run, measure=f"{r['attack']}: {k}", value=r[k], lo=r[f'{k}_lo'], hi=r[f'{k}_hi'])
            for _, r in table[table.split == 'members vs others'].iterrows() for k in ('auc', 'tpr@0.01')]

def write_rows(dest, npz, rows, samples, append):
    "The rows to the CSV `dest`, the samples to `npz`; with `append`, the other runs already there kept"
    import numpy as np, pandas as pd
    table = pd.DataFrame(rows)
    if append:
        old, others = kept(dest, npz, rows, samples)
        table, samples = pd.concat([old, table]), {**others, **samples}
    table.round(4).to_csv(dest, index=False)
    np.savez_compressed(npz, **samples)

def shipped_candidates(a, tr):
    "The shipped training patients as members, a.fresh new phantom patients (seed 1) as the others"
    from pathlib import Path
    from prostate_gan_nb import privacy as pv
    others = pv.fresh_patients(a.fresh, tr['scales'], seed=1, root=Path(a.work) / 'fresh-seed1')
    return pv.candidates(tr['x'], tr['patient'], *others)

def audit_setup(a, candidates=shipped_candidates):
    "Shipped training patches, the attack's candidates (`candidates(a, tr)`), reference samples, yardsticks"
    from stacked_fidelity import yardsticks
    from prostate_gan_nb.results import load_train_patches, ground_truth
    tr = load_train_patches()
    return (tr, candidates(a, tr), ground_truth(a.samples, tr['scales'], seed=5000),
            yardsticks(tr['x'], tr['scales']))

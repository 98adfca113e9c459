"""Re-execute notebooks in place so their saved outputs (the figures the docs site shows) are fresh.

    python tools/execute_nbs.py                 # every notebook in nbs/
    python tools/execute_nbs.py nbs/02_data.ipynb

Cells flagged `#| slow` or `#| cuda` are skipped (keeping their saved outputs) unless `--flags "slow"` is given,
as with nbdev_test.
Runs nbdev_clean afterwards so only outputs, not noisy metadata, are committed.
"""
import argparse, re, subprocess, sys, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

def _flags(cell): return set(re.findall(r'^#\|\s*(\w+)\s*$', cell.source, flags=re.M))

def execute(path, flags=()):
    nb = read_nb(path)
    skip = {'slow', 'cuda'} - set(flags)
    sh = CaptureShell(path=path.parent, mpl_format='retina')  # 2x PNGs: sharp on the site
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        if _flags(cell) & skip or '#| eval: false' in cell.source: continue
        cell.outputs = []   # execnb keeps the old outputs of a cell that now prints nothing
        sh.cell(cell)
        if sh.exc: raise RuntimeError(f'{path}: cell failed\n{cell.source}\n{sh.exc}')
    write_nb(nb, path)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('paths', nargs='*')
    ap.add_argument('--flags', default='')
    args = ap.parse_args()
    paths = [Path(p) for p in args.paths] or sorted(p for p in Path('nbs').glob('*.ipynb') if not p.name.startswith('_'))
    for p in paths:
        t = time.time(); execute(p.resolve(), args.flags.split()); print(f'{p}: {time.time()-t:.1f}s')
    subprocess.run(['nbdev_clean'], check=True)

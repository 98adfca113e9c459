"""Run every notebook as a Colab user would: a fresh environment with only what its install cell adds.

    python tools/colab_check.py             # all notebooks of nbs/
    python tools/colab_check.py nbs/04_losses.ipynb
    python tools/colab_check.py --make-env DIR   # only build the environment (CI: early, aside)
    python tools/colab_check.py --env DIR        # run the notebooks in an environment built before

On Colab a notebook opened from GitHub runs alone in an empty folder: none of this repository's other
files (`../shared`, `benchmarks/`, the other notebooks) is there, and only what its first code cell
installs is added to Colab's own packages. This check rebuilds that: every notebook must carry the same
install cell (`COLAB_CELL`); a new virtual environment gets a CPU torch (Colab brings its own), the package
with the extras that cell names, installed from this checkout as a wheel (the cell installs it from
GitHub), and a notebook runner (ipykernel and nbclient, which Colab has). Each notebook is then copied
alone into an empty folder and executed top to bottom in a fresh kernel, skipping the cells nbdev_test
skips (`#| slow`, `#| cuda`, `#| eval: false`).
Cells that need the real ProstateX sample print why they skip. Exits 1 if any notebook fails.
"""
import json, os, re, subprocess, sys, tempfile, time, venv
from pathlib import Path

COLAB_CELL = '''# On Colab: install this package and what its notebooks import (a no-op anywhere else).
# The code picks the GPU itself when the runtime has one (Runtime > Change runtime type).
import sys
if 'google.colab' in sys.modules:
    repo = 'git+https://github.com/prostate-gan-nb/prostate_gan_nb.git'
    !pip install -q "prostate_gan_nb[notebooks] @ {repo}"'''
SKIP = re.compile(r'^#\|\s*(slow|cuda|eval:\s*false)\s*$', re.M)
TORCH = 'torch==2.13.0'   # the CPU wheel on this machine's disk; Colab has its own CUDA build
RUNNER = ['ipykernel', 'nbclient']   # Colab's notebook runtime, here as a kernel and a client

def _cells(nb): return [''.join(c['source']) for c in nb['cells'] if c['cell_type'] == 'code']

def install_cell_problems(paths):
    "Notebooks whose first code cell is not the install cell (`#|` display options allowed)"
    bad = []
    for p in paths:
        code = [c for c in _cells(json.loads(p.read_text())) if not c.startswith('#| default_exp')]
        first = re.sub(r'^#\|.*\n', '', code[0], flags=re.M).strip() if code else ''
        if first != COLAB_CELL: bad.append(f'{p.name}: the first code cell is not COLAB_CELL')
    return bad

def extras():
    "The extras the install cell asks for"
    return re.search(r'prostate_gan_nb\[([\w,]+)\]', COLAB_CELL).group(1)

def make_env(where, repo):
    "A fresh virtual environment with what a Colab user gets: torch, the package + extras, a runner"
    venv.create(where, with_pip=True)
    py = str(Path(where)/'bin'/'python')
    pip = [py, '-m', 'pip', 'install', '-q', '--disable-pip-version-check']
    package = f'prostate_gan_nb[{extras()}] @ {Path(repo).resolve().as_uri()}'
    for args in ([TORCH], [package], RUNNER):
        subprocess.run(pip + args, check=True)
    return py

def colab_copy(nb_path, folder):
    "The notebook alone in `folder`, without the cells nbdev_test skips"
    nb = json.loads(Path(nb_path).read_text())
    skipped = lambda c: c['cell_type'] == 'code' and SKIP.search(''.join(c['source']))
    nb['cells'] = [c for c in nb['cells'] if not skipped(c)]
    dest = Path(folder)/Path(nb_path).name
    dest.write_text(json.dumps(nb))
    return dest

def execute(paths):
    "Run each notebook in its own empty folder and kernel (called inside the fresh environment)"
    import warnings, nbformat
    from nbclient import NotebookClient
    warnings.filterwarnings('ignore', category=nbformat.validator.MissingIDFieldWarning)   # no ids
    failed = []
    for p in map(Path, paths):
        t0 = time.time()
        nb = nbformat.read(p, as_version=4)
        client = NotebookClient(nb, timeout=900, kernel_name='python3',
                                resources={'metadata': {'path': str(p.parent)}})
        try: client.execute()
        except Exception as e: failed.append(p.name); print(f'FAILED {p.name}: {str(e)[-3000:]}')
        skips = {l for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])
                 for l in str(o.get('text', '')).splitlines() if l.startswith('SKIPPED')}
        print(f'{p.name}: {"failed" if p.name in failed else "ran"} in {time.time() - t0:.0f} s'
              + ''.join(f'\n    {s}' for s in sorted(skips)), flush=True)
    return 1 if failed else 0

def run_notebooks(py, paths, tmp):
    "Each notebook alone in its own empty folder under `tmp`, run by the environment's python `py`"
    copies = []
    for p in paths:
        (Path(tmp)/p.stem).mkdir()
        copies.append(str(colab_copy(p, Path(tmp)/p.stem)))
    unset = ('PROSTATEX_SAMPLE', 'VIRTUAL_ENV', 'PYTHONPATH')
    env = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run([py, __file__, '--execute', *copies], cwd=tmp, env=env).returncode

def main(paths, env_dir=None):
    repo = Path(__file__).resolve().parents[1]
    paths = [Path(p).resolve() for p in paths] or sorted(
        p for p in (repo/'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    bad = install_cell_problems(paths)
    if bad: print('\n'.join(bad)); return 1
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        py = (str(Path(env_dir).resolve()/'bin'/'python') if env_dir else
              make_env(Path(tmp)/'env', repo))
        print(f'Colab-like environment ready in {time.time() - t0:.0f} s', flush=True)
        return run_notebooks(py, paths, tmp)

if __name__ == '__main__':
    args = sys.argv[1:]
    if args[:1] == ['--execute']: sys.exit(execute(args[1:]))
    if args[:1] == ['--make-env']:
        make_env(args[1], Path(__file__).resolve().parents[1]); sys.exit(0)
    sys.exit(main(args[2:], args[1]) if args[:1] == ['--env'] else main(args))

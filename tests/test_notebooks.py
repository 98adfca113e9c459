"One pytest test per notebook, each run by nbdev's own test runner (`nbdev_test --path <notebook>`)."
import os, subprocess, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (REPO/'nbs').glob('*.ipynb') if not p.name.startswith('_'))
FLAGS = os.environ.get('NBDEV_TEST_FLAGS', '')  # e.g. "slow" to include the full-training cells

def test_notebooks_found():
    assert len(NOTEBOOKS) >= 10, f'only {len(NOTEBOOKS)} notebooks found in {REPO/"nbs"}'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook(nb):
    bindir = Path(sys.executable).parent
    res = subprocess.run([str(bindir/'nbdev_test'), '--path', str(nb), '--flags', FLAGS, '--do_print'],
                         cwd=REPO, capture_output=True, encoding='utf-8', errors='replace')
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    # nbdev_test exits 0 without running anything when a path matches no notebook: make sure this one ran
    assert f'Completed {nb}' in out and 'Success.' in out, out[-2000:]

"What does not fit in a notebook: the installed console script, and what a built wheel ships."
import subprocess, sys, zipfile
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMMANDS = ['reproduce', 'phantom', 'prepare', 'train', 'sample']

@pytest.mark.parametrize('args', [[]] + [[c] for c in COMMANDS], ids=lambda a: ' '.join(a) or 'top')
def test_console_script_help(args):
    res = subprocess.run([str(BIN/'prostate-gan'), *args, '--help'], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith('usage: prostate-gan' + (f' {args[0]}' if args else ''))

def test_console_script_bad_command_is_one_clear_line():
    res = subprocess.run([str(BIN/'prostate-gan'), 'sample', '--checkpoint', 'no/such/folder', '--n', '2', '--out', 'x'],
                         capture_output=True, text=True)
    assert res.returncode != 0
    assert 'Traceback' not in res.stderr and 'no/such/folder' in res.stderr + res.stdout

def test_wheel_ships_the_generator(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob('*.whl'))).namelist()
    for f in ['generator/model.safetensors', 'generator/state.json', 'train_patches.npz']:
        assert f'prostate_gan_nb/assets/{f}' in names, f

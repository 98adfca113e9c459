"What does not fit in a notebook: the installed console script, and what a built wheel ships."
import subprocess, sys, zipfile
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COMMANDS = ['reproduce', 'phantom', 'prepare', 'train', 'sample']

def test_console_script_help():
    res = subprocess.run([str(BIN/'prostate-gan'), '--help'], capture_output=True, encoding='utf-8')
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith('usage: prostate-gan') and all(c in res.stdout for c in COMMANDS)

@pytest.mark.parametrize('command', COMMANDS)
def test_command_help(command, capsys):   # in-process: the installed script's imports cost ~6 s a call
    from prostate_gan_nb.cli import main
    with pytest.raises(SystemExit) as e: main([command, '--help'])
    assert e.value.code == 0 and capsys.readouterr().out.startswith(f'usage: prostate-gan {command}')

def test_console_script_bad_command_is_one_clear_line():
    res = subprocess.run([str(BIN/'prostate-gan'), 'sample', '--checkpoint', 'no/such/folder', '--n', '2', '--out', 'x'],
                         capture_output=True, encoding='utf-8')
    assert res.returncode != 0
    assert 'Traceback' not in res.stderr and 'no/such/folder' in res.stderr + res.stdout

def test_wheel_ships_the_generator(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob('*.whl'))).namelist()
    for f in ['generator/model.safetensors', 'generator/state.json', 'train_patches.npz']:
        assert f'prostate_gan_nb/assets/{f}' in names, f

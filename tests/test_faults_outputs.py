"""Fault injection: damaged generator and checkpoint folders through the Python API and `prostate-gan`, and
what `sample` and `reproduce` leave on disk. Each case damages a copy in pytest's temporary folder."""
import json, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import SimpleITK as sitk
import torch
from safetensors.torch import load_file, save_file
from prostate_gan_nb.cli import main, save_samples, SYNTHETIC_NOTE
from prostate_gan_nb.results import SHIPPED
from prostate_gan_nb.train import CheckpointError, SPEED_OFF, fit, load_checkpoint, load_generator

BIN = Path(sys.executable).parent

def tensors(f): return {k: v.clone() for k, v in load_file(f).items()}   # clones: load_file maps the file

def edit_weights(name, change):
    "A damage that rewrites the safetensors file `name` after `change(tensors)`"
    def damage(d): w = tensors(d / name); change(w); save_file(w, d / name)
    return damage

def edit_state(change):
    "A damage that rewrites state.json as `change(state)` returns it"
    def damage(d): (d / 'state.json').write_text(json.dumps(change(json.loads((d / 'state.json').read_text()))))
    return damage

def write(name, data): return lambda d: (d / name).write_bytes(data)

def cut(name): return lambda d: (d / name).write_bytes((d / name).read_bytes()[:4000])

def replace_with_folder(name): return lambda d: ((d / name).unlink(), (d / name).mkdir())

def set_first(w, value): k = sorted(w)[0]; w[k] = value(w[k])

def poke(key, value):
    "A change of tensors that sets one element of `key`"
    def change(w): w[key].view(-1)[0] = value
    return change

def set_cfg(**kw): return edit_state(lambda s: s | dict(cfg=s['cfg'] | dict(generator=s['cfg']['generator'] | kw)))

# name: (damage of the folder, the file the message names, words of the reason)
GENERATOR_FAULTS = {
    'wrong-shape tensor': (edit_weights('model.safetensors', lambda w: set_first(w, lambda v: torch.zeros(2, 2))),
                           'model.safetensors', 'has shape (2, 2); the network that state.json describes needs'),
    'pickle renamed': (lambda d: torch.save(tensors(d / 'model.safetensors'), d / 'model.safetensors'),
                       'model.safetensors', 'not a readable safetensors file'),
    'truncated safetensors': (cut('model.safetensors'), 'model.safetensors', 'not a readable safetensors file'),
    'empty safetensors': (write('model.safetensors', b''), 'model.safetensors', 'not a readable safetensors file'),
    'random bytes as safetensors': (write('model.safetensors', bytes(range(256)) * 8), 'model.safetensors',
                                    'not a readable safetensors file'),
    'NaN weights': (edit_weights('model.safetensors', lambda w: set_first(w, lambda v: torch.full_like(v, np.nan))),
                    'model.safetensors', 'not finite'),
    'one inf weight': (edit_weights('model.safetensors', poke('E.members.2.net.tconv3.0.weight', np.inf)),
                       'model.safetensors', 'not finite'),
    'NaN in the unused last iterate': (edit_weights('model.safetensors', poke('G.members.0.net.fc.0.bias', np.nan)),
                                       'model.safetensors', 'not finite'),
    'tensor missing': (edit_weights('model.safetensors', lambda w: w.pop('E.members.1.net.tconv2.0.bias')),
                       'model.safetensors', 'no tensor members.1.net.tconv2.0.bias'),
    'tensor extra': (edit_weights('model.safetensors', lambda w: w.update({'E.members.0.net.extra': torch.ones(1)})),
                     'model.safetensors', 'unexpected tensor members.0.net.extra'),
    'member missing': (edit_state(lambda s: s | dict(members=s['members'][:2])), 'model.safetensors',
                       'unexpected tensor members.2.'),
    'other architecture in state.json': (set_cfg(nz=25), 'model.safetensors', 'needs (256, 25)'),
    'unknown generator setting': (set_cfg(wings=2), 'state.json', "unexpected keyword argument 'wings'"),
    'state.json a list': (write('state.json', b'[1, 2]'), 'state.json', 'a JSON list, not an object'),
    'state.json a number': (write('state.json', b'3'), 'state.json', 'a JSON int, not an object'),
    'state.json not JSON': (write('state.json', b'{"cfg": '), 'state.json', 'not readable as JSON'),
    'state.json empty': (write('state.json', b''), 'state.json', 'not readable as JSON'),
    'state.json binary': (write('state.json', b'\xff\xfe\x00\x81'), 'state.json', 'not readable as JSON'),
    'state.json without cfg': (edit_state(lambda s: {k: v for k, v in s.items() if k != 'cfg'}), 'state.json',
                               "no 'cfg' entry"),
    'cfg without generator': (edit_state(lambda s: s | dict(cfg={})), 'state.json', "no 'generator' entry"),
    'generator settings a list': (edit_state(lambda s: s | dict(cfg=dict(generator=[1]))), 'state.json',
                                  'must be a mapping'),
    'members not a list': (edit_state(lambda s: s | dict(members=3)), 'state.json', 'not iterable'),
    'members empty': (edit_state(lambda s: s | dict(members=[])), 'state.json', 'latent sizes and labels []'),
    'model.safetensors missing': (lambda d: (d / 'model.safetensors').unlink(), 'model.safetensors', 'no such file'),
    'model.safetensors a folder': (replace_with_folder('model.safetensors'), 'model.safetensors', 'no such file'),
    'state.json missing': (lambda d: (d / 'state.json').unlink(), '', 'No checkpoint in'),
    'state.json a folder': (replace_with_folder('state.json'), 'state.json', 'Is a directory'),
    'empty folder': (lambda d: [f.unlink() for f in d.iterdir()], '', 'No checkpoint in'),
    'no folder': (lambda d: shutil.rmtree(d), '', 'No checkpoint in'),
}
CONSOLE_CASES = ['NaN weights']   # the installed script once (~6 s of imports); every case runs in-process above

def damaged(tmp_path, case):
    "A copy of the shipped generator in `tmp_path/generator`, damaged as `case` says"
    d = Path(shutil.copytree(SHIPPED, tmp_path / 'generator'))
    GENERATOR_FAULTS[case][0](d)
    return d

def blamed(d, case): return str(d / GENERATOR_FAULTS[case][1]) if GENERATOR_FAULTS[case][1] else str(d)

@pytest.mark.parametrize('case', GENERATOR_FAULTS)
def test_load_generator_names_the_file(tmp_path, case):
    d = damaged(tmp_path, case)
    with pytest.raises(CheckpointError) as e: load_generator(d)
    msg = str(e.value)
    assert msg.startswith(blamed(d, case) + ': ') or msg.startswith(f'No checkpoint in {str(d)!r}'), msg
    assert GENERATOR_FAULTS[case][2] in msg and '\n' not in msg, msg

def sample_in_process(capsys, *args):
    "Exit status and stderr lines of `prostate-gan sample ARGS` through `main`, the console script's function"
    rc = main(['sample', *map(str, args)])
    return rc, capsys.readouterr().err.splitlines()

@pytest.mark.parametrize('case', GENERATOR_FAULTS)
def test_sample_command_one_line(tmp_path, capsys, case):
    d, out = damaged(tmp_path, case), tmp_path / 'samples'
    rc, err = sample_in_process(capsys, '--checkpoint', d, '--n', 2, '--out', out)
    assert rc == 1 and len(err) == 1, err
    assert err[0].startswith('prostate-gan sample: error: ') and GENERATOR_FAULTS[case][2] in err[0], err
    assert blamed(d, case) in err[0], err
    assert not out.exists()

@pytest.mark.parametrize('case', CONSOLE_CASES)
def test_console_script_one_line(tmp_path, case):
    d, out = damaged(tmp_path, case), tmp_path / 'samples'
    out.mkdir(); (out / 'mine.txt').write_text('kept')   # a folder it must not write into either
    res = subprocess.run([str(BIN / 'prostate-gan'), 'sample', '--checkpoint', str(d), '--n', '2', '--out', str(out),
                          '--overwrite'], capture_output=True, encoding='utf-8')
    assert res.returncode == 1 and res.stdout == '', res
    assert res.stderr.count('\n') == 1 and 'Traceback' not in res.stderr, res.stderr
    assert res.stderr.startswith(f'prostate-gan sample: error: {blamed(d, case)}: '), res.stderr
    assert [p.name for p in out.iterdir()] == ['mine.txt']

def test_average_asked_of_a_generator_without_one(tmp_path):
    d = damaged(tmp_path, 'empty folder')   # then filled with a generator without the weight average
    save_file({k: v for k, v in load_file(SHIPPED / 'model.safetensors').items() if k.startswith('G.')},
              d / 'model.safetensors')
    shutil.copy(SHIPPED / 'state.json', d)
    load_generator(d)   # the last iterate, as there is no average
    with pytest.raises(CheckpointError, match='model.safetensors: no weight average'): load_generator(d, average=True)

# --- training checkpoints (`load_checkpoint`, `fit(resume=True)`) ---

def blobs(n=16, seed=0):
    r = np.random.default_rng(seed)
    return r.uniform(0.1, 0.9, (n, 3, 16, 16)).astype(np.float32)

@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    "A one-iteration training run with a checkpoint (plain float32 on the CPU, no EMA)"
    d = tmp_path_factory.mktemp('run')
    fit(blobs(), n_iter=1, batch_size=16, checkpoint_dir=d, progress=False, device='cpu', **SPEED_OFF)
    return d

CHECKPOINT_FAULTS = {
    'optim truncated': (cut('optim.safetensors'), 'optim.safetensors', 'not a readable safetensors file'),
    'optim missing': (lambda d: (d / 'optim.safetensors').unlink(), 'optim.safetensors', 'no such file'),
    'random stream missing': (edit_weights('optim.safetensors', lambda w: w.pop('rng.z')), 'optim.safetensors',
                              "no 'rng.z' entry"),
    'random stream of another size': (edit_weights('optim.safetensors', lambda w: w.update({'rng.z': w['rng.z'][:8]})),
                                      'optim.safetensors', 'RNG state'),
    'Adam moment of another shape': (edit_weights('optim.safetensors', lambda w: w.update({'opt_d.0.exp_avg': torch.ones(2)})),
                                     'optim.safetensors', 'does not fit state.json: opt_d.0.exp_avg is not of the shape'),
    'Adam moment NaN': (edit_weights('optim.safetensors', lambda w: w[sorted(k for k in w if 'exp_avg' in k)[0]].fill_(np.nan)),
                        'optim.safetensors', 'not finite'),
    'D weight NaN': (edit_weights('model.safetensors', poke('D.net.conv1.0.weight', np.nan)), 'model.safetensors',
                     'not finite'),
    'D tensor of another shape': (edit_weights('model.safetensors', lambda w: w.update({'D.net.conv1.0.bias': torch.ones(3)})),
                                  'model.safetensors', 'has shape (3,)'),
    'state.json without meta': (edit_state(lambda s: {k: v for k, v in s.items() if k != 'meta'}), 'state.json',
                                "no 'meta' entry"),
    'meta without shards': (edit_state(lambda s: s | dict(meta={})), 'state.json', "no 'shards' entry"),
    'Adam settings lost': (edit_state(lambda s: s | dict(param_groups=dict(opt_g=[], opt_d=[]))), 'optim.safetensors',
                           'does not fit state.json: '),
    'state.json a list': (write('state.json', b'[]'), 'state.json', 'a JSON list'),
}

def damaged_checkpoint(run_dir, tmp_path, case):
    "A copy of `run_dir`'s checkpoint in `tmp_path/run`, damaged as `case` says; the run folder and the checkpoint"
    run = Path(shutil.copytree(run_dir, tmp_path / 'run'))
    ck = next(run.glob('step-*'))
    CHECKPOINT_FAULTS[case][0](ck)
    return run, ck

def test_sound_checkpoint_loads(run_dir):
    st = load_checkpoint(run_dir)
    assert st.step == 1 and st.G_avg is None

def test_loaded_checkpoint_does_not_read_its_files_later(run_dir, tmp_path):
    run = Path(shutil.copytree(run_dir, tmp_path / 'run'))
    st = load_checkpoint(run)
    for f in next(run.glob('step-*')).glob('*.safetensors'): f.write_bytes(b'')   # rewritten in place
    moments = [v for s in st.opt_d.state_dict()['state'].values() for v in s.values()]
    assert moments and all(torch.isfinite(v).all() for v in moments)   # a bus error if they still mapped the file

@pytest.mark.parametrize('case', CHECKPOINT_FAULTS)
def test_load_checkpoint_names_the_file(run_dir, tmp_path, case):
    run, ck = damaged_checkpoint(run_dir, tmp_path, case)
    with pytest.raises(CheckpointError) as e: load_checkpoint(run)
    msg = str(e.value)
    assert msg.startswith(f'{ck / CHECKPOINT_FAULTS[case][1]}: ') and CHECKPOINT_FAULTS[case][2] in msg, msg
    assert '\n' not in msg

@pytest.mark.parametrize('case', ['optim truncated', 'meta without shards'])
def test_resume_names_the_file(run_dir, tmp_path, case):
    run, ck = damaged_checkpoint(run_dir, tmp_path, case)
    with pytest.raises(CheckpointError, match=CHECKPOINT_FAULTS[case][1]):
        fit(blobs(), n_iter=2, batch_size=16, checkpoint_dir=run, resume=True, progress=False, device='cpu', **SPEED_OFF)

# --- outputs ---

def listing(folder): return sorted(p.name for p in Path(folder).iterdir())

def sidecar(folder): return json.loads((Path(folder) / 'samples.json').read_text())

@pytest.mark.parametrize('data', ['missing', 'not-a-root', 'empty-csv'])
def test_reproduce_checks_data_before_creating_out(tmp_path, capsys, data):
    (tmp_path / 'not-a-root').mkdir()
    csv = tmp_path / 'empty-csv' / 'ProstateX-TrainingLesionInformationv2' / 'ProstateX-Findings-Train.csv'
    csv.parent.mkdir(parents=True); csv.write_text('ProxID,fid\n')   # columns missing
    out = tmp_path / 'run'
    rc = main(['reproduce', '--data', str(tmp_path / data), '--out', str(out), '--quick', '--quiet'])
    err = capsys.readouterr().err.splitlines()
    assert rc == 1 and len(err) == 1 and err[0].startswith(f'prostate-gan reproduce: error: --data {tmp_path / data}: ')
    assert not out.exists()

@pytest.mark.parametrize('fmt', ['nii.gz', 'mha'])
@pytest.mark.parametrize('per_channel', [False, True])
def test_image_files_say_synthetic(tmp_path, capsys, fmt, per_channel):
    args = ['--n', 2, '--out', tmp_path / 's', '--format', fmt] + (['--per-channel'] if per_channel else [])
    assert sample_in_process(capsys, *args)[0] == 0
    files = sidecar(tmp_path / 's')['files']
    assert len(files) == (6 if per_channel else 2) and listing(tmp_path / 's') == sorted(files + ['samples.json'])
    key = 'descrip' if fmt == 'nii.gz' else 'ITK_FileNotes'
    for f in files: assert sitk.ReadImage(str(tmp_path / 's' / f)).GetMetaData(key) == SYNTHETIC_NOTE

def test_synthetic_note_fits_nifti_descrip():
    assert len(SYNTHETIC_NOTE.encode()) < 80 and 'SYNTHETIC' in SYNTHETIC_NOTE

def test_sample_refuses_a_used_folder_without_overwrite(tmp_path, capsys):
    out = tmp_path / 's'
    assert sample_in_process(capsys, '--n', 3, '--out', out, '--format', 'mha')[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    rc, err = sample_in_process(capsys, '--n', 2, '--out', out, '--seed', 1)
    assert rc == 1 and len(err) == 1 and 'folder is not empty' in err[0] and '--overwrite' in err[0], err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

def test_overwrite_replaces_only_the_earlier_sample(tmp_path, capsys):
    out = tmp_path / 's'
    assert sample_in_process(capsys, '--n', 3, '--out', out, '--format', 'nii.gz', '--per-channel')[0] == 0
    assert len(listing(out)) == 10
    assert sample_in_process(capsys, '--n', 2, '--out', out, '--overwrite')[0] == 0
    assert listing(out) == ['samples.json', 'samples.npy'] and sidecar(out)['n'] == 2

@pytest.mark.parametrize('intruder', ['notes.txt', 'subfolder'])
def test_overwrite_keeps_files_it_did_not_write(tmp_path, capsys, intruder):
    out = tmp_path / 's'
    assert sample_in_process(capsys, '--n', 2, '--out', out, '--format', 'mha')[0] == 0
    (out / intruder).mkdir() if intruder == 'subfolder' else (out / intruder).write_text('mine')
    before = listing(out)
    rc, err = sample_in_process(capsys, '--n', 2, '--out', out, '--overwrite')
    assert rc == 1 and len(err) == 1 and f"e.g. '{intruder}'; nothing removed" in err[0], err
    assert listing(out) == before

@pytest.mark.parametrize('side', [b'not json', b'[]', b'{"files": "samples.npy"}'])
def test_overwrite_refuses_a_damaged_sidecar(tmp_path, capsys, side):
    out = tmp_path / 's'
    assert sample_in_process(capsys, '--n', 2, '--out', out)[0] == 0
    (out / 'samples.json').write_bytes(side)
    rc, err = sample_in_process(capsys, '--n', 2, '--out', out, '--overwrite')
    assert rc == 1 and len(err) == 1 and 'samples.json: no list of files' in err[0], err
    assert listing(out) == ['samples.json', 'samples.npy']

def test_folder_without_a_sidecar_is_not_cleared(tmp_path, capsys):
    out = tmp_path / 's'; out.mkdir(); (out / 'synthetic_00000.mha').write_text('someone else')
    rc, err = sample_in_process(capsys, '--n', 2, '--out', out, '--overwrite')
    assert rc == 1 and 'no samples.json there lists' in err[0] and listing(out) == ['synthetic_00000.mha'], err

def test_out_that_is_a_file(tmp_path, capsys):
    (tmp_path / 's').write_text('a file')
    rc, err = sample_in_process(capsys, '--n', 2, '--out', tmp_path / 's')
    assert rc == 1 and err == [f'prostate-gan sample: error: {tmp_path / "s"}: exists, not as a folder']

def test_sample_into_an_empty_folder_and_twice_alike(tmp_path, capsys):
    (tmp_path / 'a').mkdir()
    for out in ('a', 'b'): assert sample_in_process(capsys, '--n', 4, '--out', tmp_path / out, '--seed', 3)[0] == 0
    assert np.array_equal(np.load(tmp_path / 'a' / 'samples.npy'), np.load(tmp_path / 'b' / 'samples.npy'))

def test_non_finite_patches_are_not_written(tmp_path):
    x = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32); x[0, 1, 2, 3] = np.inf
    with pytest.raises(ValueError, match='1 of the 1536 values are not finite'): save_samples(x, tmp_path / 's')
    assert not (tmp_path / 's').exists()

def test_failed_write_leaves_the_earlier_sample(tmp_path, monkeypatch):
    x = np.random.default_rng(0).random((2, 3, 16, 16), dtype=np.float32)
    save_samples(x, tmp_path / 's', 'mha')
    before = {p.name: p.read_bytes() for p in (tmp_path / 's').iterdir()}
    def full_disk(*a): raise OSError(28, 'No space left on device')
    monkeypatch.setattr(sitk, 'WriteImage', full_disk)
    with pytest.raises(OSError, match='No space left'): save_samples(x, tmp_path / 's', 'nii.gz', overwrite=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / 's').iterdir()} == before

@pytest.mark.parametrize('scales', [[1.0, float('nan'), 2.0], [1.0, 2.0], 'big', [1.0, -2.0, 3.0]])
def test_damaged_scales_name_the_state(tmp_path, capsys, scales):
    d = Path(shutil.copytree(SHIPPED, tmp_path / 'generator'))
    edit_state(lambda s: s | dict(provenance=s['provenance'] | dict(scales=scales)))(d)
    rc, err = sample_in_process(capsys, '--checkpoint', d, '--n', 2, '--out', tmp_path / 's')
    assert rc == 1 and err[0].startswith(f'prostate-gan sample: error: {d / "state.json"}: provenance.scales'), err
    assert not (tmp_path / 's').exists()

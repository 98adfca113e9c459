"""Sweeps across machines: workers of `reproduce(shard=(i, n))` (`prostate-gan reproduce --shard I/N`) share
one run folder, each training its own runs on its own copy of the data; the same call without a shard then
finds every run finished, trains nothing, and scores and exports their mixture."""
import json, subprocess, sys
from prostate_gan_nb.results import reproduce

SIZES = dict(quick=True, n_patients=16, n_iter=20, n_samples=50, n_reference=60)

def _worker(out, i, n): # a Python process running worker i of n
    code = ('from prostate_gan_nb.results import reproduce; '
            f'print(reproduce({str(out)!r}, runs=3, shard=({i}, {n}), progress=False, **{SIZES!r}))')
    return subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, encoding='utf-8', errors='replace')

def test_two_workers_then_one_export(tmp_path):
    workers = [_worker(tmp_path, i, 2) for i in range(2)]
    said = [w.communicate(timeout=900) for w in workers]
    for w, (out, err) in zip(workers, said): assert w.returncode == 0, err[-2000:]
    assert "'runs': [0, 2]" in said[0][0] and "'runs': [1]" in said[1][0]
    steps = sorted(tmp_path.glob('checkpoint*/step-*'))
    assert [s.parent.name for s in steps] == ['checkpoint', 'checkpoint-1', 'checkpoint-2']
    seeds = [json.loads((s / 'state.json').read_text())['meta']['seed'] for s in steps]
    assert seeds == [0, 1, 2]
    written = {s: (s / 'model.safetensors').stat().st_mtime_ns for s in steps}
    res = reproduce(tmp_path, runs=3, progress=False, **SIZES)
    assert {s: (s / 'model.safetensors').stat().st_mtime_ns for s in steps} == written   # none retrained
    assert sorted(tmp_path.glob('checkpoint*/step-*')) == steps
    assert res['run']['runs'] == 3 and (tmp_path / 'summary.md').exists()
    assert len(json.loads((tmp_path / 'generator' / 'state.json').read_text())['members']) == 3

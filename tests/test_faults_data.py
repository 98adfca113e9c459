"""Fault injection for the ProstateX reader (`prostate_gan_nb.data`).

Each case damages a fresh copy of a small synthetic dataset (`phantom.write_phantom`, written once
per session) and checks the outcome: by default exactly the findings the damage touches are
excluded, each with a reason naming the file or the CSV line, and every other finding keeps the very
same patch; with `strict=True` the run stops with a `ProstateXError` carrying that reason, never a
library's exception.
"""
import re, shutil
from pathlib import Path
import numpy as np, pandas as pd, pydicom, pytest, SimpleITK as sitk
import prostate_gan_nb.data as data
from prostate_gan_nb.data import (CSVS, LABELS, ProstateXError, channel_scales, ktrans_path,
                                  prepare_patches)
from prostate_gan_nb.phantom import write_phantom

# write_phantom(n_patients=2, seed=2): ProstateX-0000 fids 1 and 2 (10 mm apart in x, y and z) and
# ProstateX-0001 fid 1, on lines 2-4 of the Findings CSV. The damage hits patient 0000 (read first).
P0, P1 = 'ProstateX-0000', 'ProstateX-0001'

@pytest.fixture(scope='session')
def sound(tmp_path_factory):
    "The phantom's root and its prepared patches, written and read once"
    root = tmp_path_factory.mktemp('phantom')/'data'
    write_phantom(root, n_patients=2, seed=2, progress=False)
    return root, prepare_patches(root, progress=False)

@pytest.fixture
def root(sound, tmp_path):
    "A fresh copy of the phantom, to damage"
    return Path(shutil.copytree(sound[0], tmp_path/'data'))

# --- where things are ---------------------------------------------------------------------------
def series_dir(root, pid, number=4):
    "Folder of series `number` (4: the axial T2, 7: the ADC) of patient `pid`"
    return next((root/'PROSTATEx'/pid).glob(f'*/{number}.000000-*'))

def slice_file(root, pid, k, number=4): return series_dir(root, pid, number)/f'1-{k:02d}.dcm'

def zraw(root): return ktrans_path(root, P0).with_suffix('.zraw')

def lesion(root, pid, fid):
    "World position (mm) of finding (`pid`, `fid`)"
    f = pd.read_csv(root/LABELS/CSVS['findings'][0])
    return np.array(f[(f.ProxID == pid) & (f.fid == fid)].pos.iloc[0].split(), float)

# --- the damage ---------------------------------------------------------------------------------
def truncate(path, keep): path.write_bytes(path.read_bytes()[:keep])

def append(path, extra): path.write_bytes(path.read_bytes() + extra)

def drop_pixel_data(path):
    ds = pydicom.dcmread(path); del ds.PixelData; ds.save_as(path)

def duplicate_position(root):
    "T2 slice 8 of patient 0000 copied with a new SOPInstanceUID: a second slice in the same place"
    ds = pydicom.dcmread(slice_file(root, P0, 8)); ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.save_as(series_dir(root, P0)/'1-08b.dcm')

def edit_csv(root, kind, row, col, value):
    "Label CSV `kind` with the text of (`row`, `col`) replaced by `value`"
    path = root/LABELS/CSVS[kind][0]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, col] = value; df.to_csv(path, index=False)

def add_finding(root, pid, fid=1):
    path = root/LABELS/CSVS['findings'][0]
    path.write_text(path.read_text() + f'{pid},{fid},1 2 3,PZ,FALSE\n')

def set_ktrans(root, value, fid=1, reach=2):
    "Patient 0000's Ktrans map with a block of voxels around finding `fid` set to `value`"
    img = sitk.ReadImage(str(ktrans_path(root, P0)))
    a = sitk.GetArrayFromImage(img)
    i, j, k = img.TransformPhysicalPointToIndex(tuple(lesion(root, P0, fid)))
    a[k - 1:k + 2, j - reach:j + reach + 1, i - reach:i + reach + 1] = value
    out = sitk.GetImageFromArray(a); out.CopyInformation(img)
    sitk.WriteImage(out, str(ktrans_path(root, P0)), useCompression=True)

def move_near_t2_edge(root, mm=2.0):
    "Finding (0000, 1) moved to `mm` inside the first column of its T2, in the same plane"
    t2 = data.read_series(sorted(series_dir(root, P0).glob('*.dcm')), 'T2')
    c = np.asarray(t2.TransformPhysicalPointToContinuousIndex(tuple(lesion(root, P0, 1))))
    c[0] = -0.5 + mm / t2.GetSpacing()[0]
    pos = t2.TransformContinuousIndexToPhysicalPoint(c)
    edit_csv(root, 'findings', 0, 'pos', ' '.join(f'{v:.4f}' for v in pos))

def crop_ktrans(root, mm=2.0):
    "Patient 0000's Ktrans map cut so that its coverage ends `mm` to the right of finding (0000, 1)"
    img = sitk.ReadImage(str(ktrans_path(root, P0)))
    i = img.TransformPhysicalPointToContinuousIndex(tuple(lesion(root, P0, 1)))[0]
    end = int(round(i + 0.5 + mm / img.GetSpacing()[0]))
    sitk.WriteImage(img[:end, :, :], str(ktrans_path(root, P0)), useCompression=True)

def corrupt(path, at=5000, n=4):
    b = bytearray(path.read_bytes()); b[at:at + n] = bytes(n); path.write_bytes(b)

def set_header(root, old, new):
    mhd = ktrans_path(root, P0); text = mhd.read_text()
    assert old in text; mhd.write_text(text.replace(old, new))

def raw_ktrans(root, extra=b''):
    "Patient 0000's Ktrans stored uncompressed (.raw), with `extra` bytes appended"
    img = sitk.ReadImage(str(ktrans_path(root, P0)))
    zraw(root).unlink()
    sitk.WriteImage(img, str(ktrans_path(root, P0)), useCompression=False)
    append(ktrans_path(root, P0).with_suffix('.raw'), extra)

def empty_patient(root, *files):
    "Patient 0000's folder emptied, then holding only `files` ((name, bytes) pairs)"
    d = root/'PROSTATEx'/P0; shutil.rmtree(d); d.mkdir()
    for name, content in files: (d/name).write_bytes(content)

BOOM = 'Exception thrown in SimpleITK ImageSeriesReader_Execute: boom'

def library_error(monkeypatch):
    "SimpleITK failing inside `read_series` for patient 0000"
    real = data.read_series
    def read(files, where=''):
        if P0 in where: raise RuntimeError(BOOM)
        return real(files, where)
    monkeypatch.setattr(data, 'read_series', read)

# --- the cases ----------------------------------------------------------------------------------
# name: (damage(root, monkeypatch), findings of the sound data that go, regex every reason matches)
BOTH, ONE = [(P0, 1), (P0, 2)], [(P0, 1)]
ONE_BAD = r': 1 bad file\(s\): '
T2 = r'PROSTATEx/ProstateX-0000/[^/]+/4\.000000-t2tsetra-\d+ \(series 4 t2_tse_tra\)' + ONE_BAD
ADC = r'7\.000000-ep2ddifftraDYNDISTADC-\d+ \(series 7 ep2d_diff_tra_DYNDIST_ADC\)' + ONE_BAD
KTRANS = 'ProstateXKtrains-train-fixed/ProstateX-0000/ProstateX-0000-Ktrans.mhd'
KT = re.escape(f'{KTRANS}: cannot read (its data file ProstateX-0000-Ktrans.')
CSV = re.escape('ProstateX-Findings-Train.csv line 2 (ProstateX-0000, fid ')
OUT = r'[\d.]+% of the 16 x 16 mm patch lies outside the '
e = re.escape
CASES = {
    'dicom inner slice truncated': (
        lambda r, m: truncate(slice_file(r, P0, 8), -1000), BOTH,
        T2 + e('1-08.dcm: pixel data truncated (50,200 of 51,200 bytes)')),
    'dicom first slice cut in its header': (
        lambda r, m: truncate(slice_file(r, P0, 1), 400), BOTH,
        T2 + e('1-01.dcm: no pixel data (the file ends after 400 bytes)')),
    'dicom last slice of zero bytes': (
        lambda r, m: truncate(slice_file(r, P0, 15), 0), BOTH,
        T2 + e('1-15.dcm: empty file (0 bytes)')),
    'dicom slice without pixel data': (
        lambda r, m: drop_pixel_data(slice_file(r, P0, 8)), BOTH,
        T2 + e('1-08.dcm: no pixel data (the file ends after')),
    'dicom ADC slice truncated': (
        lambda r, m: truncate(slice_file(r, P0, 3, 7), -10), BOTH,
        ADC + e('1-03.dcm: pixel data truncated (21,494 of 21,504 bytes)')),
    'dicom duplicate copy': (
        lambda r, m: shutil.copy(slice_file(r, P0, 8), series_dir(r, P0)/'1-08 copy.dcm'), BOTH,
        T2 + e('1-08.dcm: same SOPInstanceUID as 1-08 copy.dcm (a duplicate slice)')),
    'dicom duplicate position': (
        lambda r, m: duplicate_position(r), BOTH,
        T2 + e('1-08b.dcm: same slice position as 1-08.dcm (a duplicate slice)')),
    'dicom of another patient': (
        lambda r, m: shutil.copy(slice_file(r, P1, 8), series_dir(r, P0)/'x.dcm'), BOTH,
        T2 + e('x.dcm: patient ProstateX-0001, not ProstateX-0000')),
    'junk file in a series folder': (
        lambda r, m: (series_dir(r, P0)/'notes.txt').write_text('scan notes'), BOTH,
        T2 + e("notes.txt: not a DICOM file (10 bytes, no 'DICM' prefix)")),
    'dicom slice missing': (
        lambda r, m: slice_file(r, P0, 8).unlink(), BOTH,
        e('(series 4 t2_tse_tra): uneven slice positions (gaps [3.0, 6.0] mm; missing slice?)')),
    'no T2 series': (
        lambda r, m: shutil.rmtree(series_dir(r, P0)), BOTH,
        e("ProstateX-0000: no T2 series (description containing 't2tsetra') among 1 series")),
    'empty patient folder': (
        lambda r, m: empty_patient(r), BOTH,
        e('ProstateX-0000: no DICOM series in PROSTATEx/ProstateX-0000 (0 other file(s))')),
    'patient folder with only dicom.zip': (
        lambda r, m: empty_patient(r, ('dicom.zip', b'PK\x03\x04')), BOTH,
        e('(1 other file(s): PROSTATEx/ProstateX-0000/dicom.zip)')),
    'patient folder with only junk': (
        lambda r, m: empty_patient(r, ('a.txt', b'x'), ('b.jpg', b'\xff\xd8')), BOTH,
        e('(2 other file(s): PROSTATEx/ProstateX-0000/a.txt, PROSTATEx/ProstateX-0000/b.jpg)')),
    'zraw with corrupt bytes': (
        lambda r, m: corrupt(zraw(r)), BOTH,
        KT + e('zraw is corrupt (Error -3 while decompressing')),
    'zraw truncated': (
        lambda r, m: truncate(zraw(r), -100), BOTH,
        KT + e('zraw is truncated (the compressed stream ends early))')),
    'zraw with bytes appended': (
        lambda r, m: append(zraw(r), b'junk'), BOTH, KT + e('zraw has 4 bytes after its data)')),
    'mhd DimSize larger than its data': (
        lambda r, m: set_header(r, 'DimSize = 64 64 16', 'DimSize = 64 64 17'), BOTH,
        KT + e('zraw holds 262,144 bytes; DimSize 64 x 64 x 17 of MET_FLOAT needs 278,528)')),
    'mhd whose data file is missing': (
        lambda r, m: zraw(r).unlink(), BOTH, KT + e('zraw is missing)')),
    'raw file too long': (
        lambda r, m: raw_ktrans(r, bytes(8)), BOTH,
        KT + e('raw holds 262,152 bytes; DimSize 64 x 64 x 16 of MET_FLOAT needs 262,144)')),
    'mhd missing': (
        lambda r, m: ktrans_path(r, P0).unlink(), BOTH, e(f'{KTRANS}: Ktrans file not found')),
    'ktrans NaN at a lesion': (
        lambda r, m: set_ktrans(r, np.nan), ONE,
        e(f'NaN/inf voxels in the Ktrans patch from {KTRANS}')),
    'ktrans negative at a lesion': (
        lambda r, m: set_ktrans(r, -0.5), ONE,
        r'\d+ Ktrans patch pixel\(s\) outside \[0, 10\] \(min -0\.5, max [\d.]+\) in ' + e(KTRANS)),
    'ktrans of 1e6 at a lesion': (
        lambda r, m: set_ktrans(r, 1e6), ONE,
        r'\d+ Ktrans patch pixel\(s\) outside \[0, 10\] \(min [\d.]+, max 1e\+06\) in '
        + e(KTRANS)),
    'lesion 2 mm from the T2 edge': (
        lambda r, m: move_near_t2_edge(r), ONE, OUT + r'T2 image PROSTATEx/ProstateX-0000/'),
    'lesion 2 mm from the end of Ktrans': (
        lambda r, m: crop_ktrans(r), ONE, OUT + 'Ktrans image ' + e(KTRANS)),
    'fid 1.5': (
        lambda r, m: edit_csv(r, 'findings', 0, 'fid', '1.5'), ONE,
        CSV + e("1.5): fid '1.5' is not an integer")),
    'pos of two numbers': (
        lambda r, m: edit_csv(r, 'findings', 0, 'pos', '14.7 0.1'), ONE,
        CSV + e("1): pos '14.7 0.1' is not 3 numbers")),
    'pos NaN': (
        lambda r, m: edit_csv(r, 'findings', 0, 'pos', 'nan nan nan'), ONE,
        CSV + e("1): pos 'nan nan nan' is not 3 numbers")),
    'ClinSig maybe': (
        lambda r, m: edit_csv(r, 'findings', 0, 'ClinSig', 'maybe'), ONE,
        CSV + e("1): ClinSig 'maybe' is not TRUE or FALSE")),
    'ProxID empty': (
        lambda r, m: edit_csv(r, 'findings', 0, 'ProxID', ''), ONE,
        e("ProstateX-Findings-Train.csv line 2 (, fid 1): ProxID '' is not a patient ID")),
    'unknown ProxID': (
        lambda r, m: add_finding(r, 'ProstateX-0099'), [], e('no DICOM folder for ProstateX-0099')),
    'Images CSV DCMSerNum not a number': (
        lambda r, m: edit_csv(r, 'images', 0, 'DCMSerNum', 'four'), BOTH,
        e("ProstateX-Images-Train.csv line 2 (ProstateX-0000, fid 1): "
          "DCMSerNum 'four' is not an integer")),
    'KTrans CSV ijk malformed': (
        lambda r, m: edit_csv(r, 'ktrans', 0, 'ijk', '1 2'), BOTH,
        e("ProstateX-Images-KTrans-Train.csv line 2 (ProstateX-0000, fid 1): "
          "ijk '1 2' is not 3 numbers")),
    'library error inside a patient': (
        lambda r, m: library_error(m), BOTH,
        e(f'ProstateX-0000: RuntimeError ({BOOM})')),
}

def _pairs(p): return list(zip(p.ProxID, p.fid))

@pytest.mark.parametrize('case', CASES, ids=list(CASES))
def test_damage_costs_only_the_damaged_findings(case, sound, root, monkeypatch):
    damage, gone, reason = CASES[case]
    damage(root, monkeypatch)
    base, out = sound[1], prepare_patches(root, progress=False)
    for r in out.excluded.reason: assert re.search(reason, r), r
    keep = [k not in gone for k in _pairs(base.findings)]
    assert _pairs(out.findings) == [k for k, ok in zip(_pairs(base.findings), keep) if ok]
    np.testing.assert_array_equal(out.raw, base.raw[keep])        # the others: the very same values
    assert len(out.excluded) == len(gone) + (case == 'unknown ProxID')  # none lost without a reason
    with pytest.raises(ProstateXError, match=reason) as err:
        prepare_patches(root, progress=False, strict=True)
    e = err.value                                               # and no library traceback attached
    assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__)

def test_symlinked_series_folders_read_as_the_originals(sound, root):
    study = next((root/'PROSTATEx'/P0).iterdir())
    store = shutil.move(study, root.parent/'elsewhere'); study.mkdir()
    for s in Path(store).iterdir(): (study/s.name).symlink_to(s, target_is_directory=True)
    out = prepare_patches(root, progress=False)
    assert len(out.excluded) == 0
    np.testing.assert_array_equal(out.raw, sound[1].raw)

def test_max_outside_admits_a_patch_at_the_edge_with_zeros(sound, root):
    crop_ktrans(root)
    out = prepare_patches(root, max_outside=0.5, progress=False)
    assert len(out.excluded) == 0
    kt = out.raw[_pairs(out.findings).index((P0, 1)), 2]
    assert (kt[:, -6:] == 0).all() and (kt[:, :-6] > 0).all()      # 6 columns beyond the map read 0

@pytest.mark.parametrize('kind,col', [('findings', 'ClinSig'), ('images', 'DCMSerNum')])
def test_missing_column_stops_the_run(root, kind, col):
    path = root/LABELS/CSVS[kind][0]
    pd.read_csv(path).drop(columns=col).to_csv(path, index=False)
    message = f"{CSVS[kind][0]}: missing column(s) ['{col}']"
    with pytest.raises(ProstateXError, match=re.escape(message)):
        prepare_patches(root, progress=False)

def test_missing_findings_csv_stops_the_run(root):
    (root/LABELS/CSVS['findings'][0]).unlink()
    with pytest.raises(ProstateXError, match='ProstateX-Findings-Train.csv: file not found'):
        prepare_patches(root, progress=False)

def test_one_outlier_patient_sets_no_scale(sound):
    raw, pids = sound[1].raw, np.array(['A', 'B', 'C'])       # three patients, one finding each
    hot = raw.copy(); hot[1, 2] *= 1000
    with pytest.warns(UserWarning, match=re.escape("the Ktrans scale leaves out ['B']")):
        s = channel_scales(hot, groups=pids)
    np.testing.assert_array_equal(s[2], np.float32(np.percentile(raw[[0, 2], 2], 99.5)))
    np.testing.assert_array_equal(channel_scales(raw, groups=pids), sound[1].scales)  # no outlier

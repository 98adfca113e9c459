"""Convert between a percent-format script and a notebook (authoring aid).

    python tools/nb.py to-nb  draft.py nbs/01_x.ipynb   # '# %%' code cells, '# %% [markdown]' prose cells
    python tools/nb.py to-py  nbs/01_x.ipynb draft.py
"""
import json, re, sys
from pathlib import Path

MD = '# %% [markdown]'

def _md_lines(body): return [re.sub(r'^# ?', '', l) for l in body]

def py_to_cells(text):
    cells, kind, body = [], None, []
    def flush():
        src = '\n'.join(_md_lines(body) if kind == 'markdown' else body).strip('\n')
        if kind and src: cells.append({'cell_type': kind, 'source': src})
    for line in text.splitlines():
        if line.startswith('# %%'):
            flush(); kind, body = ('markdown' if line.startswith(MD) else 'code'), []
        else: body.append(line)
    flush()
    return cells

def to_nb(src, dst):
    cells = []
    for c in py_to_cells(Path(src).read_text()):
        cell = {'cell_type': c['cell_type'], 'metadata': {}, 'source': c['source'].splitlines(keepends=True)}
        if c['cell_type'] == 'code': cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    nb = {'cells': cells, 'metadata': {'kernelspec': {'display_name': 'python3', 'language': 'python', 'name': 'python3'}},
          'nbformat': 4, 'nbformat_minor': 5}
    Path(dst).write_text(json.dumps(nb, indent=1) + '\n')

def to_py(src, dst):
    out = []
    for c in json.loads(Path(src).read_text())['cells']:
        s = ''.join(c['source'])
        if c['cell_type'] == 'markdown': out += [MD] + ['# ' + l if l else '#' for l in s.splitlines()]
        else: out += ['# %%', s]
        out.append('')
    Path(dst).write_text('\n'.join(out))

if __name__ == '__main__':
    cmd, a, b = sys.argv[1:4]
    {'to-nb': to_nb, 'to-py': to_py}[cmd](a, b)

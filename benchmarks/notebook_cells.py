"""Run a notebook's code cells in order in plain Python, flagged ones (`#| cuda`, `#| slow`) included: the
notebook checks on a machine without Jupyter or nbdev, such as a lent GPU machine (`gpu_checks.sh`).

    python benchmarks/notebook_cells.py nbs/05c_graphs.ipynb

Needs what the notebook imports (for 05c: torch, fastcore and this package). Colab's install cell is skipped.
A failing cell stops the run with its traceback, naming the cell.
"""
import json, sys, time

def code_cells(path):
    "The sources of the notebook's code cells, in order"
    cells = json.load(open(path))['cells']
    return [''.join(c['source']) for c in cells if c['cell_type'] == 'code']

def main(path):
    scope = {'__name__': '__main__'}
    for i, source in enumerate(code_cells(path)):
        if 'google.colab' in source: continue   # the install cell, in IPython's syntax
        t = time.perf_counter()
        exec(compile(source, f'{path}, code cell {i}', 'exec'), scope)
        print(f'code cell {i}: {time.perf_counter() - t:.1f} s', flush=True)
    print(f'{path}: all code cells ran')

if __name__ == '__main__':
    main(sys.argv[1])

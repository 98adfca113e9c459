"""What the benchmark scripts share: glibc's allocator settings for the whole process, and CSV rows appended."""
import csv, os, sys

def with_malloc_env():
    "Re-execute this script with `train.MALLOC_ENV` (glibc reads it at start-up) unless it is set already"
    from prostate_gan_nb.train import MALLOC_ENV
    if any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC_ENV})

def append_rows(path, rows):
    "Append `rows` (dicts with the same keys) to the CSV file `path`, with a header if it is new"
    new = not os.path.exists(path)
    with open(path, 'a', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new: w.writeheader()
        w.writerows(rows)

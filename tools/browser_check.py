"""Check the built site (_docs/) in a real headless Chromium, as a reader meets it.

    python tools/browser_check.py [site_dir]

Serves the site on localhost and opens every page of its sidebar (which must list every notebook of
nbs/sidebar.yml). It fails on:
- a page that does not load, or an internal link whose page or `#anchor` does not exist;
- an image of the site with naturalWidth 0, or a notebook figure without alt text;
- a widget's repr shown as text (`HBox(children=...`) instead of the widget or a static stand-in;
- an id used by two elements of a page (an anchor to it is ambiguous);
- an absolute path of the build machine (the checkout, the home folder, the temp folder) in a page;
- maths not typeset by KaTeX (the site serves KaTeX itself);
- an item of the paper (Figure 1-5, Table 1-2, Eq 1-4) missing from the page that reproduces it.
Images on other hosts (the Colab badge) cannot load offline; they are counted, not failed.
Exits 1 on any failure.
"""
import functools, http.server, re, sys, tempfile, threading
import urllib.error, urllib.parse, urllib.request
from collections import Counter
from pathlib import Path
import yaml
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

PAPER_ITEMS = {  # page -> names that must appear in its rendered text
    'index.html': ['Figure 4', 'Figure 5', 'Table 1', 'Table 2'],
    'paper_map.html': ['Figure 1', 'Figure 2', 'Figure 3', 'Figure 4', 'Figure 5', 'Table 1',
                       'Table 2', 'Eq 1', 'Eq 2', 'Eq 3', 'Eq 4'],
    'data.html': ['Figure 1'],
    'models.html': ['Table 1', 'Table 2', 'Figure 2', 'Figure 3'],
    'losses.html': ['Eq 1', 'Eq 2'],
    'train.html': ['Eq 3', 'Eq 4'],
    'results.html': ['Figure 4', 'Figure 5'],
}
WIDGET_REPR = re.compile(r'\b(HBox|VBox|Box|Tab|Accordion)\(children='
                         r'|\b\w+(Slider|Dropdown|Checkbox)\(')
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync']

def sidebar_entries(path='nbs/sidebar.yml'):
    "How many notebooks nbs/sidebar.yml lists"
    def walk(items):
        for it in items: yield from ([it] if isinstance(it, str) else walk(it.get('contents', [])))
    return len(list(walk(yaml.safe_load(Path(path).read_text())['website']['sidebar']['contents'])))

def machine_paths():
    "Absolute paths of this build machine that must not appear on any page"
    paths = {str(Path.cwd().resolve()), str(Path.home()), tempfile.gettempdir()}
    return sorted(p.rstrip('/') + '/' for p in paths if len(p) > 1)

def serve(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args): pass
    handler = functools.partial(Quiet, directory=str(site))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    srv.handle_error = lambda *a: None  # Chromium may drop a connection mid-file (favicon, fonts)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'

def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for f in CHROME_FLAGS + [f'--user-data-dir={profile}']: opts.add_argument(f)
    return webdriver.Chrome(options=opts, service=Service('/usr/bin/chromedriver'))

def _status(url):
    try: return urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as e: return e.code

SIDEBAR_LINKS = "return [...document.querySelectorAll('#quarto-sidebar a[href]')].map(a => a.href)"

def open_page(drv, url, tries=3, wait_s=20):
    """Load `url` until its sidebar is there (every page has one): a busy machine can hand back a blank
    page. The sidebar's links, or None"""
    for _ in range(tries):
        drv.get(url)
        try: return WebDriverWait(drv, wait_s).until(lambda d: d.execute_script(SIDEBAR_LINKS))
        except TimeoutException: pass

def sidebar_pages(drv, base):
    "The pages the built sidebar links to, in its order"
    hrefs = open_page(drv, base + 'index.html') or []
    pages = [h[len(base):].split('#')[0] for h in hrefs if h.startswith(base)]
    return list(dict.fromkeys(p or 'index.html' for p in pages))

JS_LINKS = "return [...document.querySelectorAll('a[href]')].map(a => a.href)"
JS_IDS = "return [...document.querySelectorAll('[id]')].map(e => e.id)"
JS_IMGS = ("return [...document.images].map(i => [i.src, i.complete && i.naturalWidth, "
           "i.alt || '', "
           "!!i.closest('.cell-output')])")

def read_page(drv, base, page):
    "What the check needs from one loaded page: links, ids, images, text and source"
    open_page(drv, base + page)
    return dict(links=drv.execute_script(JS_LINKS), ids=drv.execute_script(JS_IDS),
                imgs=drv.execute_script(JS_IMGS), text=drv.find_element('tag name', 'body').text,
                source=drv.page_source)

def page_problems(page, got, base):
    "Problems of one page that need no other page"
    imgs = got['imgs']
    local = [im for im in imgs if im[0].startswith(base) or im[0].startswith('data:')]
    problems = [f'{page}: image does not render: {src[:80]}' for src, w, _, _ in local if not w]
    problems += [f'{page}: figure without alt text: {src[:60]}'
                 for src, _, alt, fig in local if fig and not alt]
    problems += [f'{page}: widget repr shown as text: "{m.group(0)}"'
                 for m in WIDGET_REPR.finditer(got['text'])]
    problems += [f'{page}: machine path {p} on the page'
                 for p in machine_paths() if p in got['source']]
    problems += [f'{page}: id "{i}" on {n} elements (anchors to it are ambiguous)'
                 for i, n in Counter(got['ids']).items() if n > 1]
    if 'site_libs/katex/katex.min.js' in got['source'] and 'class="katex"' not in got['source']:
        problems.append(f'{page}: maths not rendered (no KaTeX output)')
    problems += [f'{page}: "{name}" not found'
                 for name in PAPER_ITEMS.get(page, []) if name not in got['text']]
    print(f"{page}: {len(got['links'])} links, {len(local)} images rendered, "
          f"{len(imgs) - len(local)} off-site")
    return problems

def link_problems(seen, base, drv):
    "Internal links whose page does not load or whose anchor is not on that page"
    problems = []
    for page, got in seen.items():
        for href in sorted({l for l in got['links'] if l.startswith(base)}):
            target, _, anchor = href[len(base):].partition('#')
            target = urllib.parse.unquote(target) or 'index.html'
            if target not in seen and target.endswith('.html') and _status(base + target) == 200:
                seen[target] = read_page(drv, base, target)
            if target not in seen:
                if _status(base + target) != 200:
                    problems.append(f'{page}: broken link {href[len(base):]}')
            elif anchor and urllib.parse.unquote(anchor) not in seen[target]['ids']:
                problems.append(f'{page}: link to a missing anchor {href[len(base):]}')
    return problems

def main(site='_docs'):
    srv, base = serve(site)
    with tempfile.TemporaryDirectory() as profile:
        drv = browser(profile)
        try:
            pages = sidebar_pages(drv, base)
            listed = sidebar_entries()
            problems = [] if len(pages) == listed else [
                f'the built sidebar links {len(pages)} pages, nbs/sidebar.yml lists {listed}']
            missing = sorted(set(PAPER_ITEMS) - set(pages))
            problems += [f'{p}: expected page is not in the sidebar' for p in missing]
            seen = {page: read_page(drv, base, page) for page in pages}
            for page in pages: problems += page_problems(page, seen[page], base)
            problems += link_problems(seen, base, drv)
        finally: drv.quit(); srv.shutdown()
    print('\n'.join(problems) if problems else f'browser check passed: {len(pages)} pages')
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main(*sys.argv[1:]))

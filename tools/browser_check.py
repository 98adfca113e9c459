"""Check the built site (_docs/) in a real headless Chromium.

    python tools/browser_check.py [site_dir]

Serves the site on localhost, opens every page named in nbs/sidebar.yml and checks that it loads, that every
link to a page or file of the site resolves, that every image of the site has naturalWidth > 0, and that each
item of the paper (Figure 1-5, Table 1-2, Eq 1-4) appears on the page that reproduces it. Pages with maths must show
KaTeX's rendering (the site serves KaTeX itself). Images on other hosts (the Colab badge) cannot load offline; they are counted and reported, not failed. Exits 1 on any failure.
"""
import functools, http.server, sys, tempfile, threading, urllib.error, urllib.parse, urllib.request
from pathlib import Path
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

PAPER_ITEMS = {  # page -> names that must appear in its rendered text
    'index.html': ['Fig 1', 'Table 1', 'Table 2', 'Fig 4', 'Fig 5'],
    'paper_map.html': ['Figure 1', 'Figure 2', 'Figure 3', 'Figure 4', 'Figure 5', 'Table 1', 'Table 2',
                       'Eq 1', 'Eq 2', 'Eq 3', 'Eq 4'],
    '01_data.html': ['Figure 1'],
    '03_models.html': ['Table 1', 'Table 2', 'Figure 2', 'Figure 3'],
    '04_losses.html': ['Eq 1', 'Eq 2'],
    '05_train.html': ['Eq 3', 'Eq 4'],
    '07_results.html': ['Figure 4', 'Figure 5'],
}
CHROME_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync']

def sidebar_pages(path='nbs/sidebar.yml'):
    "HTML page names of every notebook in the sidebar"
    def walk(items):
        for it in items:
            if isinstance(it, str): yield Path(it).with_suffix('.html').name
            else: yield from walk(it.get('contents', []))
    return list(walk(yaml.safe_load(Path(path).read_text())['website']['sidebar']['contents']))

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

def check_page(drv, base, page):
    "Problems found on one page, and the count of off-site images skipped"
    url = base + page
    if _status(url) != 200: return [f'{page}: does not load'], 0
    drv.get(url)
    problems = []
    links = drv.execute_script("return [...document.querySelectorAll('a[href]')].map(a => a.href)")
    for href in {l.split('#')[0] for l in links if l.startswith(base)}:
        if _status(href) != 200: problems.append(f'{page}: broken link {href[len(base):]}')
    imgs = drv.execute_script("return [...document.images].map(i => [i.src, i.complete && i.naturalWidth])")
    local = [(src, w) for src, w in imgs if src.startswith(base) or src.startswith('data:')]
    problems += [f'{page}: image does not render: {src[:80]}' for src, w in local if not w]
    text = drv.find_element('tag name', 'body').text
    if 'site_libs/katex/katex.min.js' in drv.page_source and not drv.find_elements('css selector', '.katex'):
        problems.append(f'{page}: maths not rendered (no KaTeX output)')
    problems += [f'{page}: "{name}" not found' for name in PAPER_ITEMS.get(page, []) if name not in text]
    print(f'{page}: {len(links)} links, {len(local)} images rendered, {len(imgs) - len(local)} off-site skipped')
    return problems, len(imgs) - len(local)

def main(site='_docs'):
    srv, base = serve(site)
    pages = sidebar_pages()
    missing = set(PAPER_ITEMS) - set(pages)
    problems = [f'{p}: expected page is not in the sidebar' for p in sorted(missing)]
    with tempfile.TemporaryDirectory() as profile:
        drv = browser(profile)
        try:
            for page in pages: problems += check_page(drv, base, page)[0]
        finally: drv.quit(); srv.shutdown()
    print('\n'.join(problems) if problems else f'browser check passed: {len(pages)} pages')
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main(*sys.argv[1:]))

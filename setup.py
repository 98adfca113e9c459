"Package setup for prostate_gan_nb: every setting comes from settings.ini (nbdev 2 layout)."
from configparser import ConfigParser
from packaging.version import Version
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']

for key in 'version description keywords author author_email'.split():
    assert key in cfg, f'settings.ini is missing `{key}`'
assert Version(cfg['version']), 'settings.ini `version` is not a valid version'

licenses = {'mit': ('MIT', 'OSI Approved :: MIT License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()
lic = licenses[cfg['license'].lower()]
min_python = cfg['min_python']

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    license=lic[0],
    classifiers=[f'Development Status :: {statuses[int(cfg["status"]) - 1]}',
                 f'Intended Audience :: {cfg["audience"]}',
                 f'License :: {lic[1]}',
                 f'Natural Language :: {cfg["language"]}']
                + [f'Programming Language :: Python :: {v}' for v in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    package_data={cfg['lib_name']: ['assets/*', 'assets/*/*']},
    install_requires=cfg.get('requirements', '').split(),
    extras_require={'notebooks': cfg.get('notebooks_requirements', '').split(),
                    'dev': cfg.get('dev_requirements', '').split()},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires=f'>={min_python}',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split(),
                  'nbdev': [f'{cfg["lib_path"]}={cfg["lib_path"]}._modidx:d']},
    author=cfg['author'], author_email=cfg['author_email'],
    description=cfg['description'], keywords=cfg['keywords'],
)

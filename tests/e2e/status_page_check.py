#!/usr/bin/env python3
"""Checks the DOMs Chromium dumped for the status page (status_page_browser.sh).

  status_page_check.py --sim-jobs JOBS.json --live DOM --saved DOM --control DOM
                       --payload NAME [--payload NAME ...]

--live: the page as served (http, with its Content-Security-Policy);
--saved: the same bytes loaded from a file (no CSP: only the escaping
protects it); --control: the first payload unescaped in a page, which must
show that a script ran (document.title 'pwned'), so the title probe is real.
"""

import argparse
import html.parser
import json
import sys

VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link',
        'meta', 'source', 'track', 'wbr'}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = dict(attrs)
        self.parent = parent
        self.children = []

    def classes(self):
        return (self.attrs.get('class') or '').split()

    def text(self):
        return ''.join(c if isinstance(c, str) else c.text()
                       for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def find_all(self, tag, cls=None):
        return [n for n in self.walk()
                if n.tag == tag and (cls is None or cls in n.classes())]


class TreeBuilder(html.parser.HTMLParser):
    """A DOM from Chromium's serialization (well-formed: every element closed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node('#document', [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(path):
    b = TreeBuilder()
    with open(path, encoding='utf-8') as f:
        b.feed(f.read())
    b.close()
    return b.root


def title(dom):
    t = dom.find_all('title')
    return t[0].text() if t else None


def job_rows(dom):
    """Job name -> its <tr>, for every row of every jobs table."""
    rows = {}
    for tr in dom.find_all('tr', 'job'):
        name_cells = [td for td in tr.find_all('td', 'job-name')]
        if name_cells:
            rows.setdefault(name_cells[0].text(), tr)
    return rows


def status_cell(tr):
    cells = tr.find_all('td', 'status')
    return cells[0] if cells else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sim-jobs', required=True)
    ap.add_argument('--sim-copy-jobs', required=True)
    ap.add_argument('--live', required=True)
    ap.add_argument('--saved', required=True)
    ap.add_argument('--control', required=True)
    ap.add_argument('--payload', action='append', required=True)
    args = ap.parse_args()

    errors = []

    def check(cond, msg):
        if not cond:
            errors.append(msg)

    # The probe detects a script that runs from a job name.
    control = parse(args.control)
    check(title(control) == 'pwned',
          f'control: the unescaped payload did not change the title '
          f'(got {title(control)!r}): the probe would miss a script')

    with open(args.sim_jobs, encoding='utf-8') as f:
        sim_jobs = {j['index']: j for j in json.load(f)}
    # Backup copy jobs are jobs too (a row each).
    with open(args.sim_copy_jobs, encoding='utf-8') as f:
        copy_names = [j['name'] for j in json.load(f)]
    failed_name = sim_jobs[1]['name']
    success_name = sim_jobs[0]['name']
    running_name = sim_jobs[3]['name']
    check(sim_jobs[1]['last_finished_status'] == 'Failed',
          f'simulator job 1 is not Failed: {sim_jobs[1]}')

    for label, path in (('live', args.live), ('saved', args.saved)):
        dom = parse(path)
        check(title(dom) == 'VB365 Exporter status',
              f'{label}: title is {title(dom)!r}: a script from a job name ran')
        imgs = dom.find_all('img')
        scripts = dom.find_all('script')
        check(not imgs, f'{label}: {len(imgs)} <img> element(s) in the DOM: '
              f'{[i.attrs for i in imgs]}')
        check(not scripts, f'{label}: {len(scripts)} <script> element(s) in the DOM')
        rows = job_rows(dom)
        want_rows = len(sim_jobs) + len(copy_names)
        check(len(rows) == want_rows,
              f'{label}: {len(rows)} job rows, the simulator has {want_rows} '
              f'(backup and copy jobs): {sorted(rows)}')
        for name in copy_names:
            check(name in rows, f'{label}: no row for the copy job {name!r}')
        for p in args.payload:
            check(p in rows, f'{label}: no job row shows the name {p!r} as text')
        tr = rows.get(failed_name)
        check(tr is not None, f'{label}: no row for the failed job {failed_name!r}')
        if tr is not None:
            cell = status_cell(tr)
            check(cell is not None and 'status-failed' in cell.classes()
                  and cell.text() == 'Failed',
                  f'{label}: the failed job\'s status cell is '
                  f'{cell.attrs if cell else None} {cell.text() if cell else ""!r}')
        tr = rows.get(success_name)
        cell = status_cell(tr) if tr is not None else None
        check(cell is not None and 'status-success' in cell.classes(),
              f'{label}: job 0 ({success_name!r}) is not shown as a success')
        tr = rows.get(running_name)
        running = tr.find_all('td', 'running') if tr is not None else []
        check(running and running[0].text().startswith('running for ')
              and running[0].text().endswith(' objects'),
              f'{label}: the running job {running_name!r} shows no progress')
        servers = {}
        for row in dom.find_all('tr', 'server'):
            names = row.find_all('td', 'server-name')
            states = row.find_all('td', 'state')
            if names and states:
                servers[names[0].text()] = (states[0], row)
        east = servers.get('east')
        check(east is not None and 'server-up' in east[0].classes(),
              f'{label}: server east is not shown up')
        offline = servers.get('offline')
        check(offline is not None and 'server-down' in offline[0].classes()
              and offline[0].text() == 'down',
              f'{label}: server offline is not shown down')
        if offline is not None:
            err = offline[1].find_all('td', 'error')
            check(err and err[0].text().strip(),
                  f'{label}: the offline server shows no error')
        hrefs = {a.attrs.get('href') for a in dom.find_all('a')}
        check('/metrics' in hrefs and '/-/healthy' in hrefs,
              f'{label}: links are {sorted(h for h in hrefs if h)}')
        refresh = [m for m in dom.find_all('meta')
                   if (m.attrs.get('http-equiv') or '').lower() == 'refresh']
        check(refresh and refresh[0].attrs.get('content') == '30',
              f'{label}: no meta refresh of 30 s')

    if errors:
        for e in errors:
            print('status_page_check: ' + e, file=sys.stderr)
        return 1
    print(f'status_page_check: OK (failed job {failed_name!r} shown as Failed '
          f'with status-failed; {len(args.payload)} markup names shown as text, '
          'no script ran)')
    return 0


if __name__ == '__main__':
    sys.exit(main())

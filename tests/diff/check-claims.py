"""check-claims.py CASE_DIR JSON: what a case claims, checked against the
JSON output of `infrac diff`. The claims are written by hand (run-case
--update never touches them), so a regenerated expected.json that got the
semantics wrong still fails here.

CASE_DIR/actions, one resource a line:

    ACTION RESOURCE [data_loss] [PATH<-BECAUSE ...]

ACTION is add, change, replace, destroy or none; data_loss, when given,
says the resource is flagged as data loss (and, when not, that it is not);
each PATH<-BECAUSE is a forced_by entry it must have (BECAUSE is the
replaced resource behind it, or "self" for a change of its own).

CASE_DIR/origins, one security finding a line:

    CATEGORY RESOURCE FILE:LINE:COL TEXT

Every finding must match a line by category and resource and cite
FILE:LINE:COL, the file (relative to the case) must hold TEXT at that line
and column, and every line must match a finding: the position is where
the spec wrote the value that caused it."""
import json
import os
import sys


def lines(path):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith('#'):
                yield n, line


def check_actions(case, doc, problems):
    for n, line in lines(os.path.join(case, 'actions')):
        words = line.split()
        act, rid, rest = words[0], words[1], words[2:]
        for env in doc['environments']:
            r = next((x for x in env['resources'] if x['id'] == rid), None)
            got = r['action'] if r else 'none'
            if got != act:
                problems.append(f'actions:{n}: {rid} is {got}, not {act}')
                continue
            if not r:
                continue
            if r['data_loss'] != ('data_loss' in rest):
                problems.append(f'actions:{n}: {rid} data_loss is {r["data_loss"]}')
            for w in rest:
                if '<-' not in w:
                    continue
                path, because = w.split('<-', 1)
                fb = [(f['path'], f['because'] or 'self') for f in r.get('forced_by', [])]
                if (path, because) not in fb:
                    problems.append(f'actions:{n}: {rid} is not forced by {path} because of {because} ({fb})')


def check_origins(case, doc, problems):
    want = []
    for n, line in lines(os.path.join(case, 'origins')):
        cat, res, pos, text = line.split(None, 3)
        file, ln, col = pos.rsplit(':', 2)
        want.append((n, cat, res, file, int(ln), int(col), text))
    for n, _, _, file, ln, col, text in want:
        try:
            with open(os.path.join(case, file)) as f:
                at = f.read().split('\n')[ln - 1][col - 1:]
        except (OSError, IndexError):
            at = None
        if at is None or not at.startswith(text):
            problems.append(f'origins:{n}: {file}:{ln}:{col} holds {at!r}, not {text!r}')
    used = set()
    for env in doc['environments']:
        for s in env['security']:
            o = s['origin'] or {}
            got = (o.get('file'), o.get('line'), o.get('col'))
            match = [w for w in want if (w[1], w[2]) == (s['category'], s['resource'])]
            if not match:
                problems.append(f'{env["env"]}: {s["category"]} {s["resource"]} is not in origins')
            elif not any(got == w[3:6] for w in match):
                problems.append(f'{env["env"]}: {s["category"]} {s["resource"]} cites '
                                f'{got[0]}:{got[1]}:{got[2]}, origins says '
                                + ' or '.join(f'{w[3]}:{w[4]}:{w[5]}' for w in match))
            used.update(w[0] for w in match if got == w[3:6])
    for w in want:
        if w[0] not in used:
            problems.append(f'origins:{w[0]}: no finding {w[1]} {w[2]} cites {w[3]}:{w[4]}:{w[5]}')


def main(case, out):
    with open(out) as f:
        doc = json.load(f)
    problems = []
    if os.path.exists(os.path.join(case, 'actions')):
        check_actions(case, doc, problems)
    if os.path.exists(os.path.join(case, 'origins')):
        check_origins(case, doc, problems)
    for p in problems:
        print(f'check-claims: {case}: {p}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))

"""The replacement table (templates/diff/replace.yaml) must know every
resource kind the plan makes: each kind src/plan.c adds, and each kind in
the plans of specs/ and examples/ in every environment. A kind missing from
the table would diff with a guessed rule, so a new kind in plan.c fails here
until someone decides which of its changes force replacement. The security
rules (templates/diff/security.yaml) must name known kinds and categories."""
import glob
import json
import os
import re
import subprocess
import unittest

import yaml

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
INFRAC = os.environ.get('INFRAC', os.path.join(TOP, 'build', 'infrac'))


def load(name):
    with open(os.path.join(TOP, 'templates', 'diff', name)) as f:
        return yaml.safe_load(f)


class KindsCovered(unittest.TestCase):
    replace = load('replace.yaml')
    security = load('security.yaml')

    def test_every_kind_plan_c_adds_is_in_the_table(self):
        with open(os.path.join(TOP, 'src', 'plan.c')) as f:
            src = f.read()
        kinds = set(re.findall(r'\badd\(c, "([a-z_0-9]+)"', src))
        kinds |= set(re.findall(r'\bsecurity_group\(c, ', src) and ['security_group'])
        self.assertGreater(len(kinds), 20, 'found too few add(c, "kind", ...) calls in plan.c')
        missing = sorted(kinds - set(self.replace['kinds']))
        self.assertEqual(missing, [], 'kinds plan.c makes that templates/diff/replace.yaml lacks')

    def test_every_kind_in_the_plans_is_in_the_table(self):
        specs = sorted(glob.glob(os.path.join(TOP, 'specs', '*.yaml')) +
                       glob.glob(os.path.join(TOP, 'examples', '*', 'spec.*')))
        self.assertTrue(specs)
        seen = set()
        for spec in specs:
            for env in [None] + self.environments(spec):
                args = [INFRAC, 'plan', '--format', 'json', spec] + (['--env', env] if env else [])
                plan = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
                seen |= {r['kind'] for r in plan['resources']}
        missing = sorted(seen - set(self.replace['kinds']))
        self.assertEqual(missing, [], 'kinds in the plans that templates/diff/replace.yaml lacks')

    @staticmethod
    def environments(spec):
        with open(spec) as f:
            doc = yaml.safe_load(f) if not spec.endswith('.json') else json.load(f)
        return sorted((doc or {}).get('environments') or {})

    def test_rules_are_well_formed(self):
        for kind, rule in self.replace['kinds'].items():
            self.assertIn(rule.get('name', 'physical'), ('physical', 'tag'), kind)
            self.assertIsInstance(rule.get('replace', []), list, kind)
            for inside in rule.get('within', []):
                self.assertIn(inside, self.replace['kinds'], f'{kind}: within names an unknown kind')
            for lst, namers in rule.get('replace_named', {}).items():
                self.assertIsInstance(namers, list, f'{kind}: replace_named.{lst}')
        for rule in self.security['rules']:
            self.assertIn(rule['kind'], self.replace['kinds'], rule)
            self.assertIn(rule['category'], self.security['categories'], rule)
            self.assertTrue(rule.get('message'), rule)
            if rule['weak'] != 'destroyed':
                self.assertTrue(rule.get('attribute'), rule)


if __name__ == '__main__':
    unittest.main()

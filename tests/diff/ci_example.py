"""The sample CI workflow (examples/ci/infrac-diff.yml) must be a valid
GitHub Actions document whose diff step really works: its shell script is
taken out of the YAML and run in a temporary git repository with two
commits, and the report it writes must hold the markdown of the changed
spec and nothing for the unchanged one."""
import os
import shutil
import subprocess
import tempfile
import unittest

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..'))
INFRAC = os.environ.get('INFRAC', os.path.join(TOP, 'build', 'infrac'))


class CiExample(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(TOP, 'examples', 'ci', 'infrac-diff.yml')) as f:
            self.wf = yaml.safe_load(f)
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def step(self, name):
        steps = self.wf['jobs']['diff']['steps']
        found = [s for s in steps if s.get('name') == name]
        self.assertEqual(len(found), 1, name)
        return found[0]

    def test_workflow_shape(self):
        self.assertIn('pull_request', self.wf[True])   # YAML 1.1 reads the key "on" as true
        self.assertEqual(self.wf['permissions']['pull-requests'], 'write')
        checkout = self.wf['jobs']['diff']['steps'][0]
        self.assertEqual(checkout['with']['fetch-depth'], 0)
        diff = self.step('Diff every spec against the base branch')
        self.assertEqual(diff['env']['BASE'], 'origin/${{ github.base_ref }}')
        self.assertIn('--format markdown', diff['run'])
        self.assertIn('--base "$BASE"', diff['run'])
        post = self.step('Post or update the comment')
        self.assertIn('<!-- infrac-diff -->', post['with']['script'])

    def git(self, repo, *args):
        subprocess.run(['git', '-C', repo, '-c', 'user.name=infrac-test', '-c', 'user.email=test@infrac.invalid',
                        '-c', 'commit.gpgsign=false', *args], check=True, capture_output=True)

    def test_diff_step_runs(self):
        repo = os.path.join(self.tmp, 'repo')
        os.makedirs(os.path.join(repo, 'specs', 'shared'))
        os.makedirs(os.path.join(repo, 'build'))
        os.symlink(os.path.abspath(INFRAC), os.path.join(repo, 'build', 'infrac'))
        shutil.copy(os.path.join(HERE, '_base', 'cartful.yaml'), os.path.join(repo, 'specs', 'shared', 'base.yaml'))
        def write(path, text):
            with open(os.path.join(repo, path), 'w') as f:
                f.write(text)
        write('specs/cartful.yaml', 'infrac: 1\ninclude: [shared/base.yaml, shared/db.yaml]\n')
        write('specs/shared/db.yaml', 'databases: {orders: {engine: postgres}}\n')
        write('specs/quiet.yaml', 'infrac: 1\nname: quiet\nregion: us-east-1\n'
              'network: {cidr: 10.5.0.0/24, azs: 1, nat: none, nacls: false, flow_logs: false}\n')
        write('.gitignore', 'build/\n')
        self.git(repo, 'init', '-q')
        self.git(repo, 'add', '-A')
        self.git(repo, 'commit', '-q', '-m', 'base')
        self.git(repo, 'branch', 'base')
        write('specs/shared/db.yaml', 'databases: {orders: {engine: mysql, version: "8.0.39"}}\n')
        self.git(repo, 'commit', '-q', '-am', 'change')
        out = os.path.join(self.tmp, 'github_output')
        summary = os.path.join(self.tmp, 'summary')
        env = dict(os.environ, BASE='base', GITHUB_OUTPUT=out, GITHUB_STEP_SUMMARY=summary)
        run = self.step('Diff every spec against the base branch')['run']
        subprocess.run(['bash', '-c', run], cwd=repo, env=env, check=True)
        with open(os.path.join(repo, 'infrac-diff.md')) as f:
            report = f.read()
        self.assertTrue(report.startswith('<!-- infrac-diff -->\n'))
        self.assertIn('Compared `base:specs/cartful.yaml` with `specs/cartful.yaml`', report)
        self.assertIn('**Data loss:** `db_instance.orders`', report)
        self.assertNotIn('quiet', report)
        with open(out) as f:
            self.assertEqual(f.read().strip(), 'status=0')


if __name__ == '__main__':
    unittest.main()

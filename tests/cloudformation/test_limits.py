"""Past a CloudFormation quota the build fails, says which and what to do.

Specs are generated just over each quota that a spec can reach: 500
resources (services), 200 outputs (tables, one exported ARN each) and a
1 MB template body (large env values). Each build must exit 2, name the
quota and its number, suggest splitting the spec, and write no file at all
(nor leave a temporary folder). A spec just under each quota must build.
The 1,024-byte description cannot be reached from a spec (names are
short); test_cfn.c checks it on the limit function itself.

Run: INFRAC=build/infrac python3 -m unittest -v test_limits
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import cfn_cases

HEAD = 'infrac: 1\nname: big\nregion: us-east-1\naccount: "123456789012"\n'
NETWORK = "network: {cidr: 10.0.0.0/16, azs: 2, nat: none, flow_logs: false, nacls: false}\n"


def services(n, env_bytes=0):
    lines = ["services:"]
    for i in range(n):
        lines += ["  svc%03d:" % i, "    image: public.ecr.aws/docker/library/nginx:1.27", "    port: 8080"]
        if env_bytes:
            lines.append("    env:")
            for k in range(10):
                lines.append("      VALUE_%d: %s" % (k, "x" * (env_bytes // 10)))
    return "\n".join(lines) + "\n"


def tables(n):
    return "tables:\n" + "".join("  t%03d: {key: {hash: id}}\n" % i for i in range(n))


class TestLimits(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="infrac-cfn-limits-")

    def tearDown(self):
        shutil.rmtree(self.work)

    def build(self, text):
        spec = os.path.join(self.work, "spec.yaml")
        with open(spec, "w") as f:
            f.write(text)
        out = os.path.join(self.work, "out")
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.run([cfn_cases.INFRAC, "build", "--target", "plan,cloudformation", "-o", out, spec],
                              capture_output=True, text=True)
        written = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs] if os.path.exists(out) else []
        return proc, out, written

    def assertRefused(self, text, *fragments):
        proc, out, written = self.build(text)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        for fragment in fragments + ("split the spec",):
            self.assertIn(fragment, proc.stderr)
        self.assertEqual(written, [], "a refused build wrote files")
        if os.path.exists(out):
            self.assertEqual([d for d, _, _ in os.walk(out) if ".tmp-" in d], [])

    def assertBuilds(self, text):
        proc, out, written = self.build(text)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        path = os.path.join(out, "big", "base", "cloudformation", "big.json")
        self.assertIn(path, written)
        with open(path) as f:
            return json.load(f), os.path.getsize(path)

    def test_resources(self):
        t, _ = self.assertBuilds(HEAD + NETWORK + services(40))
        per_service = (len(self.assertBuilds(HEAD + NETWORK + services(41))[0]["Resources"]) -
                       len(t["Resources"]))
        self.assertGreater(per_service, 0)
        fixed = len(t["Resources"]) - 40 * per_service
        under = (500 - fixed) // per_service
        t, _ = self.assertBuilds(HEAD + NETWORK + services(under))
        self.assertLessEqual(len(t["Resources"]), 500)
        over = under + 1
        self.assertGreater(fixed + over * per_service, 500)
        self.assertRefused(HEAD + NETWORK + services(over), "%d resources" % (fixed + over * per_service),
                           "limit of 500")

    def test_outputs(self):
        t, _ = self.assertBuilds(HEAD + tables(200))
        self.assertEqual(len(t["Outputs"]), 200)
        self.assertRefused(HEAD + tables(201), "201 outputs", "limit of 200")

    def test_body(self):
        t, size = self.assertBuilds(HEAD + NETWORK + services(25, 30000))
        self.assertLess(size, 1048576)
        self.assertRefused(HEAD + NETWORK + services(40, 30000), "bytes", "limit of 1048576 bytes")


if __name__ == "__main__":
    unittest.main()

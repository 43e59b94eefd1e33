"""Growing a spec renames nothing in its CloudFormation template.

identity/base.yaml has service web_2, listener 80 open to 11.0.0.0/8 and
cross-account role ecr-push; identity/grown.yaml adds neighbours that read
the same once punctuation is dropped: service web2, listener 801 open to
1.0.0.0/8 (the rules 80 from 11.0.0.0/8 and 801 from 1.0.0.0/8 both read
80110008) and role ecr.push. A renamed logical ID makes CloudFormation
replace the resource, and a renamed export breaks the stacks importing
it, so every logical ID and every output and export name of the base
template must stay exactly as it was, and the neighbours must get names
of their own. Keys that differ only by '-' and '_' read the same on
purpose (ecr-push is IamRoleCrossEcrPush, as ecr_push would be): a spec
with both is refused, naming both, and nothing is written.

Run: INFRAC=build/infrac python3 -m unittest -v test_identity
"""

import os
import re
import subprocess
import unittest

import cfn_cases
from expect import Template

HERE = os.path.dirname(os.path.abspath(__file__))

# plan ids of grown.yaml that meet one of base.yaml's with punctuation dropped
NEIGHBOURS = {
    "ecs_service.web2": "ecs_service.web_2",
    "iam_role.task_web2": "iam_role.task_web_2",
    "security_group_rule.alb_in_801_1_0_0_0_8": "security_group_rule.alb_in_80_11_0_0_0_8",
    "iam_role.cross_ecr.push": "iam_role.cross_ecr-push",
}


def template(name):
    (case,) = [c for c in cfn_cases.build_spec(os.path.join(HERE, "identity", name + ".yaml"), cfn_cases.scratch())
               if c.env == "base"]
    return case.template


class TestIdentity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.base, cls.grown = template("base"), template("grown")
        cls.a, cls.b = Template(cls.base), Template(cls.grown)

    def test_the_neighbours_meet_once_cleaned(self):
        clean = lambda pid: re.sub(r"[^a-z0-9]", "", pid)
        for new, old in NEIGHBOURS.items():
            self.assertIn(old, self.a.lid, old)
            self.assertIn(new, self.b.lid, new)
            self.assertEqual(clean(new), clean(old), "%s and %s" % (new, old))

    def test_no_logical_id_changes(self):
        self.assertGreater(len(self.a.lid), 40)
        for pid, lid in self.a.lid.items():
            self.assertEqual(self.b.lid.get(pid), lid, "%s was %s" % (pid, lid))
        for pid, lid in self.a.attachment.items():
            self.assertEqual(self.b.attachment.get(pid), lid, "the attachment of %s" % pid)

    def test_the_neighbours_have_their_own_ids(self):
        taken = set(self.base["Resources"])
        for new in NEIGHBOURS:
            self.assertNotIn(self.b.lid[new], taken, new)
        self.assertEqual(len(set(self.b.lid.values())), len(self.b.lid))

    def test_no_output_or_export_changes(self):
        before, after = self.base["Outputs"], self.grown["Outputs"]
        self.assertIn("IamRoleCrossEcrPushArn", before)
        for lid, out in before.items():
            self.assertIn(lid, after)
            self.assertEqual(after[lid]["Export"], out["Export"], lid)
        exports = [o["Export"]["Name"] for o in after.values()]
        self.assertEqual(len(set(exports)), len(exports))

    def test_hyphen_and_underscore_twins_are_refused(self):
        with open(os.path.join(HERE, "identity", "base.yaml")) as f:
            text = f.read()
        twin = text + "  ecr_push:\n    trusted_account: \"210987654321\"\n    grants: [{ecr_push: [web]}]\n"
        d = cfn_cases.scratch()
        spec = os.path.join(d, "twins.yaml")
        with open(spec, "w") as f:
            f.write(twin)
        out = os.path.join(d, "out")
        proc = subprocess.run([cfn_cases.INFRAC, "build", "--target", "cloudformation", "-o", out, spec],
                              capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("its logical ID IamRoleCrossEcrPush is also that of iam_role.cross_ecr", proc.stderr)
        self.assertFalse(os.path.exists(out), "nothing is written")


if __name__ == "__main__":
    unittest.main()

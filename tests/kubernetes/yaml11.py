"""YAML 1.1 safety of the Kubernetes output.

yaml11.py DUMP SPEC...: DUMP is every generated file as js-yaml (a YAML 1.2
reader) read it (written by `check.cjs dump`). Each file is read again with
PyYAML (a YAML 1.1 reader: yes/no/on/off are booleans, 0777 is octal, 1:20
is sexagesimal, 2001-12-14 is a date, ~ is null, << merges, = is a value
key) and both readings must be identical, types included. For every SPEC
(JSON specs whose env values are the hostile strings), each service's env
ConfigMap must read back, in both readers, as exactly the spec's env map.
"""
import json
import os
import sys
import unittest

try:
    import yaml
except ImportError:
    sys.exit("yaml11.py: PyYAML is missing (apt-get install python3-yaml)")


def same(a, b):
    """Deep equality that tells True from 1 and "1" from 1."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def dns(key):
    return key.replace("_", "-").lower()


class Yaml11(unittest.TestCase):
    dump = {}
    specs = []

    def test_same_reading_in_yaml_1_1_and_1_2(self):
        self.assertTrue(self.dump, "no generated files to compare")
        for path, docs in sorted(self.dump.items()):
            with open(path, encoding="utf-8") as f:
                pyyaml = list(yaml.safe_load_all(f))
            self.assertTrue(same(pyyaml, docs), f"{path}: PyYAML and js-yaml read different documents")

    def test_env_values_read_back_exactly(self):
        self.assertTrue(self.specs, "no spec with hostile env values")
        checked = 0
        for spec_path in self.specs:
            with open(spec_path, encoding="utf-8") as f:
                spec = json.load(f)
            for key, svc in spec["services"].items():
                want = svc.get("env", {})
                if not want:
                    continue
                name = f"{dns(key)}-env"
                files = [p for p in self.dump if f"/{spec['name']}/base/kubernetes/" in p and p.endswith(f"service-{dns(key)}.yaml")]
                self.assertEqual(len(files), 1, f"no output for service {key} of {spec_path}")
                with open(files[0], encoding="utf-8") as f:
                    pyyaml = [d for d in yaml.safe_load_all(f) if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name]
                jsyaml = [d for d in self.dump[files[0]] if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name]
                self.assertEqual(len(pyyaml), 1, f"no ConfigMap {name}")
                self.assertTrue(same(pyyaml[0]["data"], want), f"PyYAML reads {pyyaml[0]['data']!r}, the spec says {want!r}")
                self.assertTrue(same(jsyaml[0]["data"], want), f"js-yaml reads {jsyaml[0]['data']!r}, the spec says {want!r}")
                checked += 1
        self.assertGreater(checked, 0)

    def test_self_check_unquoted_values_differ(self):
        # the comparison must be able to fail: plain scalars that YAML 1.1
        # and 1.2 read differently are caught
        plain = "a: no\nb: 0777\nc: 1:20\n"
        self.assertFalse(same(yaml.safe_load(plain), {"a": "no", "b": "0777", "c": "1:20"}))


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        Yaml11.dump = json.load(f)
    Yaml11.specs = sys.argv[2:]
    unittest.main(argv=[sys.argv[0], "-v"])

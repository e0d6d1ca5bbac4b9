"""Validates YAML/JSON configs against medpipe's config schema with Debian's python3-jsonschema.

usage: check_config_schema.py SCHEMA.json CONFIG...
Checks the schema against the draft 2020-12 meta-schema, then prints one line per config:
"valid PATH" or "invalid PATH: <first error>". Exit code 0 unless the schema itself is broken.
YAML is read as YAML 1.1 (PyYAML), as VS Code's YAML extension can be set to.
"""
import json
import sys

import jsonschema
import yaml


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path) as f:
            # YAML -> JSON, as an editor validates it (dates and the like become strings).
            document = json.loads(json.dumps(yaml.safe_load(f), default=str))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            print(f"invalid {path}: {where}: {errors[0].message[:300]}")
        else:
            print(f"valid {path}")


if __name__ == "__main__":
    main()

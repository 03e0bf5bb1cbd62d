#!/usr/bin/env python3
# check-tool-schema.py: validates data/tools/*.json against data/tool.schema.json
#
# Copyright 2026 The Tally developers
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-tool-schema.py DATA_DIR
# Prints TAP, one line per tool file, and exits non-zero on any failure.

import json
import sys
from pathlib import Path

import jsonschema

MIN_TOOLS = 24


def semantic_errors(tool):
  """What the schema cannot say; libtally checks these too."""
  inputs = {i["id"]: i for i in tool["inputs"]}
  if len(inputs) != len(tool["inputs"]):
    yield "inputs: two inputs have the same id"

  meter = tool["meter"]
  if "input" in meter and meter["input"] not in inputs:
    yield f"meter.input: no input is named {meter['input']!r}"

  for index, item in enumerate(tool["inputs"]):
    if "min" in item and item["min"] > item["max"]:
      yield f"inputs[{index}].max: must not be less than min"

  pricing = tool["pricing"]
  if not pricing["min_units"] <= pricing["typical_units"] <= pricing["max_units"]:
    yield "pricing.typical_units: must be within [min_units, max_units]"


def check_file(path, validator):
  """Returns the reason the file is bad, or None."""
  try:
    tool = json.loads(path.read_text(encoding="utf-8"))
  except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
    return f"cannot read: {error}"

  error = jsonschema.exceptions.best_match(validator.iter_errors(tool))
  if error is not None:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}"
                    for p in error.absolute_path).lstrip(".") or "(top)"
    return f"{where}: {error.message}"

  if tool["id"] != path.stem:
    return f"id: {tool['id']!r} does not match the file name"

  for reason in semantic_errors(tool):
    return reason

  return None


def main(argv):
  if len(argv) != 2:
    print(f"usage: {argv[0]} DATA_DIR", file=sys.stderr)
    return 2

  data_dir = Path(argv[1])
  schema = json.loads((data_dir / "tool.schema.json").read_text(encoding="utf-8"))
  jsonschema.Draft202012Validator.check_schema(schema)
  validator = jsonschema.Draft202012Validator(schema)

  files = sorted((data_dir / "tools").glob("*.json"))
  failed = 0

  print(f"1..{len(files) + 1}")
  for number, path in enumerate(files, start=1):
    reason = check_file(path, validator)
    if reason is None:
      print(f"ok {number} - {path.name}")
    else:
      failed += 1
      print(f"not ok {number} - {path.name}: {reason}")

  if len(files) >= MIN_TOOLS:
    print(f"ok {len(files) + 1} - at least {MIN_TOOLS} tools ({len(files)})")
  else:
    failed += 1
    print(f"not ok {len(files) + 1} - at least {MIN_TOOLS} tools: only {len(files)}")

  return 1 if failed else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))

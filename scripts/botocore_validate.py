#!/usr/bin/env python3
"""Validate AWS request inputs against the botocore model of their operation.

Reads a JSON array of records {"service", "operation", "input"} on stdin (or from the files named
on the command line, one record or an array per file) and writes a JSON array of
{"index", "service", "operation", "errors": [...]} on stdout, one entry per record.

botocore's own ParamValidator checks required members, unknown keys and types but not enums,
lengths, ranges or patterns, so the shape is walked here and all of them are checked.
Exit codes: 0 all valid, 1 some record is invalid, 3 botocore is missing, 2 bad usage.
"""
import json
import os
import re
import sys
import unicodedata
from datetime import datetime

try:
    import botocore.session
except ImportError:  # pragma: no cover - reported to the caller, which decides to skip or fail
    sys.stderr.write("botocore is not installed for this python3 (pip install botocore, or apt-get install python3-botocore)\n")
    sys.exit(3)

# The service names the records use -> botocore's service names.
SERVICE_ALIASES = {
    "sagemaker": "sagemaker",
    "application-autoscaling": "application-autoscaling",
    "cloudwatch": "cloudwatch",
    "s3": "s3",
    "events": "events",
    "sfn": "stepfunctions",
    "stepfunctions": "stepfunctions",
}

# Constraints the API reference documents but the model does not encode, by (service, shape name).
DOCUMENTED_RULES = {
    ("cloudwatch", "MetricId"): (
        lambda value: re.fullmatch(r"[a-z][a-zA-Z0-9_]*", value) is not None,
        "must start with a lowercase letter and hold only letters, digits and '_' (GetMetricData reference)",
    ),
    ("cloudwatch", "Period"): (
        lambda value: value in (1, 5, 10, 20, 30) or (isinstance(value, int) and value % 60 == 0),
        "must be 1, 5, 10, 20, 30 or a multiple of 60 seconds (CloudWatch reference)",
    ),
}

_session = botocore.session.get_session()
_models = {}
_patterns = {}


def service_model(service):
    name = SERVICE_ALIASES.get(service)
    if name is None:
        raise KeyError("unknown service %r (expected one of %s)" % (service, ", ".join(sorted(SERVICE_ALIASES))))
    if name not in _models:
        _models[name] = _session.get_service_model(name)
    return _models[name]


# The models' patterns are Java regular expressions. Python's re lacks \p{...} classes and reads
# "\uD800\uDC00-\uDBFF\uDFFF" (a Java range of surrogate pairs) as an inverted range, so both are
# translated before compiling. POSIX classes are ASCII in Java (without UNICODE_CHARACTER_CLASS).
POSIX_CLASSES = {
    "Print": "\\x20-\\x7E",
    "Graph": "\\x21-\\x7E",
    "ASCII": "\\x00-\\x7F",
    "Alnum": "A-Za-z0-9",
    "Alpha": "A-Za-z",
    "Digit": "0-9",
    "Upper": "A-Z",
    "Lower": "a-z",
    "Punct": "!-/:-@\\[-`{-~",
    "Space": " \\t\\n\\x0B\\f\\r",
}
# Java's surrogate-pair range: every supplementary code point.
SURROGATE_PAIR_RANGE = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
SUPPLEMENTARY_RANGE = "\\U00010000-\\U0010FFFF"
_categories = {}


def category_class(major):
    """Set content (ranges, no brackets) of the Unicode general category `major` (L, M, N...)."""
    if not _categories:
        # One pass over every code point builds all the major categories at once.
        ranges = {}
        previous = None
        for code in range(0x110000):
            current = unicodedata.category(chr(code))[0]
            spans = ranges.setdefault(current, [])
            if current == previous:
                spans[-1][1] = code
            else:
                spans.append([code, code])
            previous = current
        for name, spans in ranges.items():
            _categories[name] = "".join(
                "\\U%08X" % low if low == high else "\\U%08X-\\U%08X" % (low, high) for low, high in spans
            )
    return _categories.get(major, "")


def property_class(name):
    """Set content for a Java \\p{name}, or None when there is no translation."""
    if name in POSIX_CLASSES:
        return POSIX_CLASSES[name]
    if len(name) == 1 and name in "LMNPSZC":
        return category_class(name)
    return None


def translate(pattern):
    """The Java pattern in Python's dialect; raises ValueError for a construct it cannot translate."""
    pattern = pattern.replace(SURROGATE_PAIR_RANGE, SUPPLEMENTARY_RANGE)
    # "$" followed by a quantifier ("...)${1,128}", CustomerMetadataKey): Java repeats the anchor, a no-op.
    pattern = re.sub(r"\$\{\d+(,\d*)?\}", "$", pattern)
    out = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and pattern.startswith("p{", index + 1):
            end = pattern.index("}", index)
            content = property_class(pattern[index + 3 : end])
            if content is None:
                raise ValueError("no Python equivalent of \\p{%s}" % pattern[index + 3 : end])
            out.append(content if in_class else "[%s]" % content)
            index = end + 1
            continue
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def compiled(pattern):
    """The compiled pattern, or None when it cannot be expressed in Python (see check_pattern)."""
    if pattern not in _patterns:
        try:
            _patterns[pattern] = re.compile(translate(pattern))
        except (re.error, ValueError):
            _patterns[pattern] = None
    return _patterns[pattern]


def is_ci():
    return os.environ.get("CI") in ("true", "1")


def check_pattern(pattern, value, path, errors):
    regex = compiled(pattern)
    if regex is None:
        # A value that is sent but cannot be checked: an error in CI, a warning elsewhere.
        message = "%s: the pattern %s has no Python translation; the value was not checked" % (path, pattern)
        if is_ci():
            errors.append(message)
        else:
            sys.stderr.write("warning: %s\n" % message)
        return
    if regex.fullmatch(value) is None:
        errors.append("%s: %r does not match the pattern %s" % (path, value, pattern))


def check_range(shape, value, path, errors, what):
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and value < low:
        errors.append("%s: %s %s is below the minimum %s" % (path, what, value, low))
    if high is not None and value > high:
        errors.append("%s: %s %s is above the maximum %s" % (path, what, value, high))


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def walk(shape, value, path, errors, service=""):
    kind = shape.type_name
    if value is None:
        errors.append("%s: null is not a valid %s" % (path, kind))
        return
    rule = DOCUMENTED_RULES.get((service, shape.name))
    if rule is not None and isinstance(value, (str, int)) and not rule[0](value):
        errors.append("%s: %r %s" % (path, value, rule[1]))
    if kind == "structure":
        if not isinstance(value, dict):
            errors.append("%s: expected an object (%s), got %s" % (path, shape.name, type(value).__name__))
            return
        members = shape.members
        for key in value:
            if key not in members:
                errors.append("%s: unknown key %r (not a member of %s)" % (path, key, shape.name))
        for required in shape.required_members:
            if value.get(required) is None:
                errors.append("%s: missing required member %r of %s" % (path, required, shape.name))
        if shape.metadata.get("union") and len([k for k in value if value[k] is not None]) != 1:
            errors.append("%s: exactly one member of the union %s must be set" % (path, shape.name))
        for key, item in value.items():
            if key in members:
                walk(members[key], item, "%s.%s" % (path, key), errors, service)
    elif kind == "list":
        if not isinstance(value, list):
            errors.append("%s: expected a list, got %s" % (path, type(value).__name__))
            return
        check_range(shape, len(value), path, errors, "list length")
        for index, item in enumerate(value):
            walk(shape.member, item, "%s[%d]" % (path, index), errors, service)
    elif kind == "map":
        if not isinstance(value, dict):
            errors.append("%s: expected a map, got %s" % (path, type(value).__name__))
            return
        check_range(shape, len(value), path, errors, "map size")
        for key, item in value.items():
            walk(shape.key, key, "%s{key %r}" % (path, key), errors, service)
            walk(shape.value, item, "%s[%r]" % (path, key), errors, service)
    elif kind == "string":
        if not isinstance(value, str):
            errors.append("%s: expected a string, got %s" % (path, type(value).__name__))
            return
        if shape.enum and value not in shape.enum:
            errors.append("%s: %r is not one of %s" % (path, value, "|".join(shape.enum)))
        check_range(shape, len(value), path, errors, "length")
        pattern = shape.metadata.get("pattern")
        if pattern is not None:
            check_pattern(pattern, value, path, errors)
    elif kind in ("integer", "long"):
        if not is_number(value) or (isinstance(value, float) and not value.is_integer()):
            errors.append("%s: expected an integer, got %r" % (path, value))
            return
        check_range(shape, value, path, errors, "value")
    elif kind in ("float", "double"):
        if not is_number(value):
            errors.append("%s: expected a number, got %r" % (path, value))
            return
        check_range(shape, value, path, errors, "value")
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append("%s: expected a boolean, got %r" % (path, value))
    elif kind == "timestamp":
        if is_number(value):
            return
        if not isinstance(value, str):
            errors.append("%s: expected a timestamp, got %r" % (path, value))
            return
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            errors.append("%s: %r is not an ISO 8601 timestamp" % (path, value))
    elif kind == "blob":
        if not isinstance(value, str):
            errors.append("%s: expected a blob (string), got %s" % (path, type(value).__name__))
    # 'document' and unknown kinds accept any JSON value.


def validate(record):
    errors = []
    if not isinstance(record, dict) or not {"service", "operation", "input"} <= set(record):
        return ["record must be an object with service, operation and input"]
    try:
        model = service_model(record["service"])
        operation = model.operation_model(record["operation"])
    except Exception as error:  # unknown service or operation
        return ["%s.%s: %s" % (record.get("service"), record.get("operation"), error)]
    if operation.input_shape is None:
        if record["input"] not in ({}, None):
            errors.append("%s takes no input" % record["operation"])
        return errors
    walk(operation.input_shape, record["input"], record["operation"], errors, SERVICE_ALIASES[record["service"]])
    return errors


def read_records(argv):
    if len(argv) == 0:
        data = json.load(sys.stdin)
        return data if isinstance(data, list) else [data]
    records = []
    for name in argv:
        with open(name, encoding="utf-8") as handle:
            data = json.load(handle)
        records.extend(data if isinstance(data, list) else [data])
    return records


def main(argv):
    try:
        records = read_records(argv)
    except (OSError, ValueError) as error:
        sys.stderr.write("cannot read the records: %s\n" % error)
        return 2
    results = []
    for index, record in enumerate(records):
        results.append(
            {
                "index": index,
                "service": record.get("service") if isinstance(record, dict) else None,
                "operation": record.get("operation") if isinstance(record, dict) else None,
                "errors": validate(record),
            }
        )
    json.dump({"botocore": botocore.__version__, "results": results}, sys.stdout)
    sys.stdout.write("\n")
    return 1 if any(result["errors"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The smallest stand-in for XSOAR's demistomock: params, command, args and last-run from the
environment (set by the test), results written to stdout as JSON lines for the test to read."""
import json
import os


def params():
    return json.loads(os.environ["XSOAR_PARAMS"])


def command():
    return os.environ["XSOAR_COMMAND"]


def args():
    return json.loads(os.environ.get("XSOAR_ARGS", "{}"))


def getLastRun():
    path = os.environ["XSOAR_LAST_RUN"]
    return json.load(open(path)) if os.path.exists(path) else {}


def setLastRun(value):
    json.dump(value, open(os.environ["XSOAR_LAST_RUN"], "w"))


def emit(kind, value):
    print(json.dumps({"kind": kind, "value": value}))

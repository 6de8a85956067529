"""The smallest stand-in for the CommonServerPython names the portcullis integration uses."""
import sys

import demistomock as demisto


class DemistoException(Exception):
    pass


class CommandResults:
    def __init__(self, outputs_prefix=None, outputs_key_field=None, outputs=None, readable_output=None):
        self.outputs_prefix = outputs_prefix
        self.outputs_key_field = outputs_key_field
        self.outputs = outputs
        self.readable_output = readable_output


def argToList(value):
    if isinstance(value, list):
        return value
    return [v.strip() for v in str(value).split(",") if v.strip()]


def tableToMarkdown(name, rows, headers=None):
    rows = rows if isinstance(rows, list) else [rows]
    headers = headers or (list(rows[0].keys()) if rows else [])
    lines = ["### " + name, "|" + "|".join(headers) + "|", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["|" + "|".join(str(r.get(h, "")) for h in headers) + "|" for r in rows]
    return "\n".join(lines)


def return_results(result):
    if isinstance(result, CommandResults):
        demisto.emit("results", {"prefix": result.outputs_prefix, "key": result.outputs_key_field, "outputs": result.outputs, "readable": result.readable_output})
    else:
        demisto.emit("results", result)


def return_error(message):
    demisto.emit("error", message)
    sys.exit(1)


def send_events_to_xsiam(events, vendor, product):
    demisto.emit("events", {"vendor": vendor, "product": product, "events": events})

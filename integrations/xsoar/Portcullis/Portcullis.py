"""Cortex XSOAR integration for portcullis: signed firewall changes (Standard Webhooks), run status,
block lookup, and fetch-events for the audit log. Standard library only besides XSOAR's own modules."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import demistomock as demisto  # noqa: E402
from CommonServerPython import *  # noqa: F401,F403

VENDOR = "portcullis"
PRODUCT = "portcullis"
SETTLED = {"applied", "partially_applied", "failed", "rejected", "approval_expired", "pending_approval"}
PLAYBOOKS = {
    "portcullis-block": ("block-ip", ["indicators", "ttl", "direction", "reason", "incident_id"]),
    "portcullis-unblock": ("unblock-ip", ["indicators", "direction", "reason", "incident_id"]),
    "portcullis-quarantine": ("quarantine-host", ["host", "connector", "reason", "incident_id"]),
    "portcullis-release": ("release-host", ["host", "connector", "reason", "incident_id"]),
    "portcullis-allow": ("allow-ingress", ["from", "to", "protocol", "port", "ttl", "reason", "ticket"]),
    "portcullis-revoke": ("revoke-allow", ["from", "to", "protocol", "port", "reason", "ticket"]),
}


class Portcullis:
    def __init__(self, base_url, client_id, secret, token=None, attempts=4):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.secret = secret
        self.token = token
        self.attempts = attempts

    def _signature(self, msg_id, body):
        ts = int(time.time())
        key = base64.b64decode(self.secret.split("_", 1)[1] if self.secret.startswith("whsec_") else self.secret)
        mac = hmac.new(key, ("%s.%d.%s" % (msg_id, ts, body)).encode(), hashlib.sha256).digest()
        return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": "v1," + base64.b64encode(mac).decode(),
                "portcullis-client": self.client_id}

    def _send(self, method, path, body=None, extra=None, signed=False):
        text = "" if body is None else json.dumps(body, separators=(",", ":"))
        msg_id = "msg_" + uuid.uuid4().hex  # the same id on every retry: portcullis answers a retry from its record
        last = None
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(0.2 * 2 ** attempt)
            if method == "GET" and self.token and not signed:
                headers = {"authorization": "Bearer " + self.token}
            else:
                headers = self._signature(msg_id if method != "GET" else "msg_" + uuid.uuid4().hex, text)
            if method != "GET":
                headers.update({"content-type": "application/json", "idempotency-key": msg_id})
            headers.update(extra or {})
            req = urllib.request.Request(self.base_url + path, data=text.encode() if method != "GET" else None, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=75) as res:
                    return json.loads(res.read().decode() or "null"), dict(res.headers.items())
            except urllib.error.HTTPError as e:
                try:
                    problem = json.loads(e.read().decode())
                except ValueError:
                    problem = {}
                last = DemistoException("portcullis answered %s %s: %s" % (e.code, problem.get("code"), problem.get("detail")))
                if e.code < 500 and problem.get("code") != "idempotency_in_flight":
                    raise last
            except (urllib.error.URLError, OSError) as e:
                last = DemistoException("portcullis unreachable: %s" % e)
        raise last

    def run(self, playbook, inputs, wait):
        headers = {"prefer": "wait=%d" % wait} if wait else {}
        run, _ = self._send("POST", "/v1/playbooks/%s/runs" % playbook, {"playbook": playbook, "inputs": inputs}, headers)
        deadline = time.time() + wait + 30
        while wait and run["status"] not in SETTLED and time.time() < deadline:
            time.sleep(1)
            run = self.get_run(run["id"])
        return run

    def get_run(self, run_id):
        return self._send("GET", "/v1/runs/" + urllib.parse.quote(run_id, safe=""))[0]

    def blocks(self):
        # GET /v1/blocks answers a page at a time (at most 1,000 blocks); `next` is the following page.
        page = self._send("GET", "/v1/blocks?limit=1000")[0]
        blocks = list(page["blocks"])
        while page.get("next"):
            page = self._send("GET", page["next"])[0]
            blocks.extend(page["blocks"])
        return blocks

    def audit(self, after, limit):
        query = {"limit": limit, "format": "json"}
        if after:
            query["after"] = after
        return self._send("GET", "/v1/audit/events?" + urllib.parse.urlencode(query))[0]

    def whoami(self):
        # Always signed: a connectivity test must prove the signing secret, not just the read token.
        return self._send("GET", "/v1/whoami", signed=True)[0]


def run_result(run):
    rows = [{"connector": t["connector"], "target": t["target"], "state": t["state"], "errors": ", ".join(t["errors"])} for t in run.get("targets", [])]
    return CommandResults(
        outputs_prefix="Portcullis.Run",
        outputs_key_field="id",
        outputs=run,
        readable_output=tableToMarkdown("portcullis run %s: %s" % (run["id"], run["status"]), rows),
    )


def main():
    params = demisto.params()
    client = Portcullis(
        params["url"],
        params["client_id"],
        (params.get("secret") or {}).get("password", ""),
        (params.get("token") or {}).get("password") or None,
    )
    command = demisto.command()
    args = demisto.args()
    try:
        if command == "test-module":
            me = client.whoami()
            return_results("ok" if me.get("client") == params["client_id"] else "unexpected identity %s" % me)
        elif command in PLAYBOOKS:
            playbook, names = PLAYBOOKS[command]
            inputs = {k: args[k] for k in names if args.get(k) not in (None, "")}
            if "indicators" in inputs:
                inputs["indicators"] = argToList(inputs["indicators"])
            if "port" in inputs and str(inputs["port"]).isdigit():
                inputs["port"] = int(inputs["port"])
            return_results(run_result(client.run(playbook, inputs, int(args.get("wait", 20)))))
        elif command == "portcullis-run-status":
            return_results(run_result(client.get_run(args["run_id"])))
        elif command == "portcullis-block-lookup":
            wanted = args.get("indicator")
            blocks = [b for b in client.blocks() if not wanted or b["cidr"] in (wanted, wanted + "/32", wanted + "/128")]
            return_results(CommandResults(outputs_prefix="Portcullis.Block", outputs_key_field="cidr", outputs=blocks,
                                          readable_output=tableToMarkdown("portcullis blocks", blocks, headers=["cidr", "direction", "expires_at", "offenses"])))
        elif command == "fetch-events":
            last = demisto.getLastRun() or {}
            page = client.audit(last.get("cursor"), int(params.get("max_fetch", 1000)))
            send_events_to_xsiam(page["events"], vendor=VENDOR, product=PRODUCT)
            demisto.setLastRun({"cursor": page["next_cursor"]})
        else:
            raise NotImplementedError("unknown command %s" % command)
    except Exception as e:  # XSOAR convention: report, do not crash the engine
        return_error("portcullis %s failed: %s" % (command, e))


if __name__ in ("__main__", "__builtin__", "builtins"):
    main()

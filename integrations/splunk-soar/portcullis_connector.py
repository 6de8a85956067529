"""Splunk SOAR connector for portcullis: signed firewall changes (Standard Webhooks), run status and
block lookup. Standard library only besides the SOAR platform's phantom modules."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import phantom.app as phantom
from phantom.action_result import ActionResult
from phantom.base_connector import BaseConnector

SETTLED = {"applied", "partially_applied", "failed", "rejected", "approval_expired", "pending_approval"}
ACTIONS = {
    "block_ip": ("block-ip", ["indicators", "ttl", "direction", "reason", "incident_id"]),
    "unblock_ip": ("unblock-ip", ["indicators", "direction", "reason", "incident_id"]),
    "quarantine_device": ("quarantine-host", ["host", "connector", "reason", "incident_id"]),
    "unquarantine_device": ("release-host", ["host", "connector", "reason", "incident_id"]),
    "allow_ingress": ("allow-ingress", ["from", "to", "protocol", "port", "ttl", "reason", "ticket"]),
    "revoke_allow": ("revoke-allow", ["from", "to", "protocol", "port", "reason", "ticket"]),
}


class PortcullisError(Exception):
    pass


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
                last = PortcullisError("portcullis answered %s %s: %s" % (e.code, problem.get("code"), problem.get("detail")))
                if e.code < 500 and problem.get("code") != "idempotency_in_flight":
                    raise last
            except (urllib.error.URLError, OSError) as e:
                last = PortcullisError("portcullis unreachable: %s" % e)
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



class PortcullisConnector(BaseConnector):
    def _client(self):
        config = self.get_config()
        return Portcullis(config["base_url"], config["client_id"], config["secret"], config.get("token") or None)

    def handle_action(self, param):
        action_id = self.get_action_identifier()
        action_result = self.add_action_result(ActionResult(dict(param)))
        try:
            client = self._client()
            if action_id == "test_connectivity":
                me = client.whoami()
                self.save_progress("Connected as %s with scopes %s" % (me["client"], ", ".join(me["scopes"])))
                return action_result.set_status(phantom.APP_SUCCESS, "Test Connectivity Passed")
            if action_id in ACTIONS:
                playbook, names = ACTIONS[action_id]
                inputs = {k: param[k] for k in names if param.get(k) not in (None, "")}
                if "indicators" in inputs:
                    inputs["indicators"] = [v.strip() for v in str(inputs["indicators"]).split(",") if v.strip()]
                if "port" in inputs and str(inputs["port"]).isdigit():
                    inputs["port"] = int(inputs["port"])
                run = client.run(playbook, inputs, int(param.get("wait", 20)))
            elif action_id == "get_run":
                run = client.get_run(param["run_id"])
            elif action_id == "lookup_ip":
                wanted = param.get("ip")
                blocks = [b for b in client.blocks() if not wanted or b["cidr"] in (wanted, wanted + "/32", wanted + "/128")]
                for b in blocks:
                    action_result.add_data(b)
                action_result.update_summary({"blocked": bool(blocks), "blocks": len(blocks)})
                return action_result.set_status(phantom.APP_SUCCESS, "%d active block(s)" % len(blocks))
            else:
                return action_result.set_status(phantom.APP_ERROR, "unknown action %s" % action_id)
            action_result.add_data(run)
            action_result.update_summary({"run_id": run["id"], "status": run["status"]})
            ok = run["status"] not in ("failed", "rejected", "approval_expired")
            return action_result.set_status(phantom.APP_SUCCESS if ok else phantom.APP_ERROR, "run %s is %s" % (run["id"], run["status"]))
        except Exception as e:
            return action_result.set_status(phantom.APP_ERROR, "portcullis: %s" % e)


def main():
    import sys

    with open(sys.argv[1]) as f:
        in_json = f.read()
    connector = PortcullisConnector()
    connector.print_progress_message = True
    print(connector._handle_action(in_json, None))


if __name__ == "__main__":
    main()

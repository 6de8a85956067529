"""Shuffle app for portcullis: signed firewall changes (Standard Webhooks), run status, block lookup and
audit events. Standard library only besides Shuffle's walkoff_app_sdk."""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from walkoff_app_sdk.app_base import AppBase

SETTLED = {"applied", "partially_applied", "failed", "rejected", "approval_expired", "pending_approval"}


class PortcullisError(Exception):
    pass


class PortcullisApi:
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



def _indicators(value):
    return [v.strip() for v in str(value).split(",") if v.strip()]


def _compact(inputs):
    return {k: v for k, v in inputs.items() if v not in (None, "")}


class Portcullis(AppBase):
    __version__ = "1.0.0"
    app_name = "portcullis"

    def __init__(self, redis, logger, console_logger=None):
        super().__init__(redis, logger, console_logger)

    def _api(self, url, client_id, secret, token=""):
        return PortcullisApi(url, client_id, secret, token or None)

    def _run(self, url, client_id, secret, playbook, inputs, wait):
        try:
            return json.dumps(self._api(url, client_id, secret).run(playbook, _compact(inputs), int(wait or 20)))
        except PortcullisError as e:
            return json.dumps({"success": False, "reason": str(e)})

    def block_ip(self, url, client_id, secret, indicators, ttl="", reason="", wait="20"):
        return self._run(url, client_id, secret, "block-ip", {"indicators": _indicators(indicators), "ttl": ttl, "reason": reason}, wait)

    def unblock_ip(self, url, client_id, secret, indicators, reason="", wait="20"):
        return self._run(url, client_id, secret, "unblock-ip", {"indicators": _indicators(indicators), "reason": reason}, wait)

    def quarantine_host(self, url, client_id, secret, host, connector="", reason="", wait="20"):
        return self._run(url, client_id, secret, "quarantine-host", {"host": host, "connector": connector, "reason": reason}, wait)

    def release_host(self, url, client_id, secret, host, connector="", reason="", wait="20"):
        return self._run(url, client_id, secret, "release-host", {"host": host, "connector": connector, "reason": reason}, wait)

    def allow_ingress(self, url, client_id, secret, source, to, port, protocol="tcp", reason="", wait="20"):
        inputs = {"from": source, "to": to, "protocol": protocol, "port": int(port) if str(port).isdigit() else port, "reason": reason}
        return self._run(url, client_id, secret, "allow-ingress", inputs, wait)

    def revoke_allow(self, url, client_id, secret, source, to, port, protocol="tcp", reason="", wait="20"):
        inputs = {"from": source, "to": to, "protocol": protocol, "port": int(port) if str(port).isdigit() else port, "reason": reason}
        return self._run(url, client_id, secret, "revoke-allow", inputs, wait)

    def get_run(self, url, client_id, secret, run_id):
        return json.dumps(self._api(url, client_id, secret).get_run(run_id))

    def lookup_block(self, url, client_id, secret, indicator=""):
        blocks = self._api(url, client_id, secret).blocks()
        if indicator:
            blocks = [b for b in blocks if b["cidr"] in (indicator, indicator + "/32", indicator + "/128")]
        return json.dumps({"blocked": bool(blocks), "blocks": blocks})

    def audit_events(self, url, client_id, secret, after="", limit="100"):
        return json.dumps(self._api(url, client_id, secret).audit(after or None, int(limit or 100)))


if __name__ == "__main__":
    Portcullis.run()

"""portcullis client: one module, Python standard library only (3.8+).

- Mutations are signed with Standard Webhooks (HMAC-SHA256 of "id.timestamp.body", key = base64 after whsec_).
- A retry after a network error, a 5xx, a 429 or a 409 idempotency_in_flight resends the SAME
  webhook-id and Idempotency-Key (re-signed with a fresh timestamp): portcullis answers it from the
  stored result, so a lost answer never runs a playbook twice.
- wait=N sends "Prefer: wait=N"; when the run has not settled by then, the client follows Location.

    from portcullis_client import Client
    pc = Client("http://127.0.0.1:8787", "demo", secret="whsec_...")
    run = pc.block("203.0.113.7", ttl="24h", wait=10)
"""

import base64
import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

__all__ = ["Client", "PortcullisError", "sign", "PLAYBOOKS"]

PLAYBOOKS = {
    "block": "block-ip",
    "unblock": "unblock-ip",
    "quarantine": "quarantine-host",
    "release": "release-host",
    "allow": "allow-ingress",
    "revoke": "revoke-allow",
}

SETTLED = {"applied", "partially_applied", "failed", "rejected", "approval_expired", "pending_approval"}


class PortcullisError(Exception):
    """A problem+json answer (or a transport failure after the last attempt, status 0)."""

    def __init__(self, status, problem=None, request_id=None, message=None):
        self.status = status
        self.problem = problem or {}
        self.code = self.problem.get("code")
        self.request_id = request_id
        detail = self.problem.get("detail")
        super().__init__(message or ("%s %s: %s" % (status, self.code, detail) if self.code else "HTTP %s" % status))


def sign(secret, msg_id, timestamp, body):
    """The Standard Webhooks v1 signature header value for one message."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    mac = hmac.new(key, ("%s.%d.%s" % (msg_id, timestamp, body)).encode("utf-8"), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


class _Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


class Client:
    """A portcullis API client. `token` makes reads use a bearer token instead of a signature."""

    def __init__(self, base_url, client_id, secret, token=None, attempts=4, backoff=0.25, timeout=75.0, sleep=time.sleep):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.secret = secret
        self.token = token
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self._sleep = sleep

    # -- runs -------------------------------------------------------------------------------
    def run_playbook(self, playbook, inputs, idempotency_key=None, wait=None, wait_timeout=None, dry_run=False):
        """POST /v1/playbooks/{name}/runs. With wait, returns the settled run (or its last state)."""
        body = {"playbook": playbook, "inputs": inputs}
        if dry_run:
            body["dry_run"] = True
        headers = {}
        if idempotency_key:
            headers["idempotency-key"] = idempotency_key
        if wait:
            headers["prefer"] = "wait=%d" % max(1, min(60, int(wait)))
        path = "/v1/playbooks/%s/runs%s" % (urllib.parse.quote(playbook, safe=""), "?dry_run=true" if dry_run else "")
        answer = self._signed("POST", path, body, headers)
        run = answer.json()
        if not wait or dry_run or run.get("status") in SETTLED:
            return run
        location = answer.headers.get("location") or run["links"]["self"]
        return self.wait_for_run(location, timeout=wait_timeout or wait + 30)

    def block(self, indicators, **inputs):
        return self._action("block", dict(inputs, indicators=indicators))

    def unblock(self, indicators, **inputs):
        return self._action("unblock", dict(inputs, indicators=indicators))

    def quarantine(self, host, **inputs):
        return self._action("quarantine", dict(inputs, host=host))

    def release(self, host, **inputs):
        return self._action("release", dict(inputs, host=host))

    def allow(self, **inputs):
        return self._action("allow", inputs)

    def revoke(self, **inputs):
        return self._action("revoke", inputs)

    def _action(self, action, inputs):
        options = {k: inputs.pop(k) for k in ("idempotency_key", "wait", "wait_timeout", "dry_run") if k in inputs}
        return self.run_playbook(PLAYBOOKS[action], inputs, **options)

    def approve(self, run_id, comment=None):
        return self._decide(run_id, "approve", comment)

    def reject(self, run_id, comment=None):
        return self._decide(run_id, "reject", comment)

    def _decide(self, run_id, verb, comment):
        body = {"run": run_id, "decision": verb}
        if comment:
            body["comment"] = comment
        return self._signed("POST", "/v1/runs/%s/%s" % (urllib.parse.quote(run_id, safe=""), verb), body).json()

    # -- reads --------------------------------------------------------------------------------
    def get_run(self, run_id):
        return self._read("/v1/runs/" + urllib.parse.quote(run_id, safe=""))

    def list_runs(self, **query):
        return self._read("/v1/runs" + _query(query))

    def list_blocks(self, **query):
        """Every active block matching the filters (target, state, expires_before, incident, client),
        in address order, following the pages' `next` links."""
        query.setdefault("limit", 1000)
        page = self._read("/v1/blocks" + _query(query))
        blocks = list(page["blocks"])
        while page.get("next"):
            page = self._read(page["next"])
            blocks.extend(page["blocks"])
        return blocks

    def blocks_containing(self, ip, **query):
        """Whether, where and until when an address is blocked: {ip, blocked, blocks: [...]}."""
        return self._read("/v1/blocks" + _query(dict(query, ip=ip)))

    def audit_events(self, **query):
        """One JSON page of the audit log; pass next_cursor back as after=."""
        query["format"] = "json"
        return self._read("/v1/audit/events" + _query(query))

    def whoami(self):
        return self._read("/v1/whoami")

    def wait_for_run(self, location, timeout=60.0):
        """Follows a run's Location until it settles or `timeout` seconds pass (then its last state)."""
        path = urllib.parse.urlparse(location).path if location.startswith("http") else location
        deadline = time.monotonic() + timeout
        delay = 0.2
        while True:
            run = self._read(path)
            if run.get("status") in SETTLED or time.monotonic() >= deadline:
                return run
            self._sleep(delay)
            delay = min(2.0, delay * 2)

    # -- transport ----------------------------------------------------------------------------
    def _read(self, path):
        if self.token:
            build = lambda: ("GET", None, {"authorization": "Bearer " + self.token})  # noqa: E731
        else:
            # Signed reads: a fresh webhook-id per attempt (ids are single-use; a read changes nothing).
            build = lambda: ("GET", None, self._signature("msg_" + uuid.uuid4().hex, ""))  # noqa: E731
        return self._send(path, build).json()

    def _signed(self, method, path, body, headers=None):
        text = json.dumps(body, separators=(",", ":"))
        msg_id = "msg_" + uuid.uuid4().hex
        extra = dict({"content-type": "application/json", "idempotency-key": msg_id}, **(headers or {}))

        def build():
            return method, text.encode("utf-8"), dict(self._signature(msg_id, text), **extra)

        return self._send(path, build)

    def _signature(self, msg_id, body):
        now = int(time.time())
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(now),
            "webhook-signature": sign(self.secret, msg_id, now, body),
            "portcullis-client": self.client_id,
        }

    def _send(self, path, build):
        last = None
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(random.random() * self.backoff * (2 ** (attempt - 1)))
            method, data, headers = build()
            request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return _Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
            except urllib.error.HTTPError as error:
                body = error.read()
                try:
                    problem = json.loads(body.decode("utf-8"))
                except ValueError:
                    problem = None
                last = PortcullisError(error.code, problem, error.headers.get("x-request-id"))
                if not (error.code >= 500 or error.code == 429 or last.code == "idempotency_in_flight"):
                    raise last
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
                last = PortcullisError(0, message="transport error: %s" % error)
        raise last


def _query(params):
    params = {k: v for k, v in params.items() if v is not None}
    return "?" + urllib.parse.urlencode(params) if params else ""

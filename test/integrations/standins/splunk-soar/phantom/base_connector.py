import json


class BaseConnector:
    """Runs handle_action once per parameter set of the action JSON, as the platform does."""

    def __init__(self):
        self._config = {}
        self._action = None
        self._results = []
        self._progress = []

    def get_config(self):
        return self._config

    def get_action_identifier(self):
        return self._action

    def add_action_result(self, action_result):
        self._results.append(action_result)
        return action_result

    def save_progress(self, message, *args):
        self._progress.append(message % args if args else message)

    def _handle_action(self, in_json, handle):
        spec = json.loads(in_json)
        self._config = spec["config"]
        self._action = spec["identifier"]
        for param in spec.get("parameters", [{}]):
            self.handle_action(param)
        return json.dumps({
            "progress": self._progress,
            "results": [{"status": "success" if r.status else "failed", "message": r.message, "data": r.data, "summary": r.summary} for r in self._results],
        })

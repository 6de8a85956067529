import json
import logging
import os


class AppBase:
    """Shuffle calls the action method named in the execution with the authentication and action
    parameters as keyword arguments; the returned string is the action's result."""

    def __init__(self, redis, logger, console_logger=None):
        self.redis = redis
        self.logger = logger
        self.console_logger = console_logger

    @classmethod
    def run(cls):
        action = json.loads(os.environ["SHUFFLE_ACTION"])
        app = cls(redis=None, logger=logging.getLogger(cls.app_name))
        result = getattr(app, action["name"])(**action["parameters"])
        print(json.dumps({"name": action["name"], "result": result}))

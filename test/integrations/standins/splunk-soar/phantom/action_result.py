class ActionResult:
    def __init__(self, param=None):
        self.param = param or {}
        self.data = []
        self.summary = {}
        self.status = None
        self.message = ""

    def add_data(self, item):
        self.data.append(item)

    def update_summary(self, summary):
        self.summary.update(summary)
        return self.summary

    def set_status(self, status, message=""):
        self.status = status
        self.message = message
        return status

    def get_status(self):
        return self.status

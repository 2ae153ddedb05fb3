# Test stand-in for the parts of Flask the document's receiver uses, so that snippet runs unchanged without
# Flask installed. The test copies this file into a temp dir as flask.py and fills in `request` before each call.
import json


class Aborted(Exception):
    def __init__(self, code, description=None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description


def abort(code, description=None):
    raise Aborted(code, description)


class _Headers:
    # Flask header lookup ignores case.
    def __init__(self, items=None):
        self._items = {k.lower(): v for k, v in (items or {}).items()}

    def get(self, name, default=None):
        return self._items.get(name.lower(), default)


class _Request:
    def __init__(self):
        self.headers = _Headers()
        self.data = b""

    def get_data(self):
        return self.data

    def get_json(self):
        return json.loads(self.data)


request = _Request()


class Flask:
    def __init__(self, import_name):
        self.import_name = import_name

    def post(self, rule):
        def register(view):
            return view
        return register

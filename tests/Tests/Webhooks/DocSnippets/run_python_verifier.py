# Test driver (ours, not the document's): feeds one delivery to the document's handle_webhook().
# argv: <dir holding flask.py> <path of verify_webhook.py>; stdin: {"headers": {...}, "body_b64": "..."}.
# Prints "ACCEPTED <status>" or "REJECTED <code> <description>".
import base64, importlib.util, json, sys

sys.path.insert(0, sys.argv[1])
import flask  # the shim

delivery = json.load(sys.stdin)
flask.request.headers = flask._Headers(delivery["headers"])
flask.request.data = base64.b64decode(delivery["body_b64"])

spec = importlib.util.spec_from_file_location("doc_verify_webhook", sys.argv[2])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

try:
    _, status = module.handle_webhook()
    print(f"ACCEPTED {status}")
except flask.Aborted as e:
    print(f"REJECTED {e.code} {e.description}")

"""A stand-in FC instance, run by the runtime's own interpreter with only the runtime's packages.

    python -I worker.py FUNCTIONS_DIR      # then one JSON request per line on stdin

Requests (one answer line each, {"kind": "ok", "result": ...} or {"kind": "error", "type", "message"}):
- {"op": "invoke", "module", "event", "credentials": [ak, sk, token] | null}: `module.handler(event, context)`
  as FC calls it (event as bytes; `context.credentials` as the python3.10 runtime provides it);
- {"op": "describe"}: the interpreter and SDK versions, and which listing path the handlers take;
- {"op": "sdk_request", "endpoint", "bucket", "credentials", "params"}: a bucket GET signed by the
  runtime's own oss2 V1 signer, to show what OSS answers the SDK alone.

Kept free of the project's other packages: it must run on the runtime's Python and nothing else.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from types import SimpleNamespace
from typing import Any


def _invoke(msg: dict[str, Any]) -> Any:
    context = SimpleNamespace(request_id="local", function=SimpleNamespace(name=msg["module"]))
    if msg.get("credentials"):
        ak, sk, token = msg["credentials"]
        context.credentials = SimpleNamespace(access_key_id=ak, access_key_secret=sk, security_token=token or None)
    return importlib.import_module(msg["module"]).handler(msg["event"].encode("utf-8"), context)


def _describe(_: dict[str, Any]) -> Any:
    import oss2
    import requests

    from restore_core import listing

    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "oss2": oss2.__version__,
        "requests": requests.__version__,
        "sdkParsesRestoreInfo": listing.SDK_PARSES_RESTORE_INFO,
    }


def _sdk_request(msg: dict[str, Any]) -> Any:
    import oss2

    ak, sk, _ = msg["credentials"]
    bucket = oss2.Bucket(oss2.Auth(ak, sk), msg["endpoint"], msg["bucket"])
    try:
        resp = bucket._do("GET", msg["bucket"], "", params=msg["params"])
    except oss2.exceptions.OssError as e:
        return {"status": e.status, "code": e.code}
    return {"status": resp.status, "body": resp.read().decode("utf-8")}


OPS = {"invoke": _invoke, "describe": _describe, "sdk_request": _sdk_request}


def main() -> None:
    sys.path.insert(0, sys.argv[1])  # the code package root, as FC puts it on the path
    # Answers go to the real stdout; anything the handlers print goes to stderr.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            answer = {"kind": "ok", "result": OPS[msg["op"]](msg)}
        except Exception as e:  # FC reports an unhandled exception by its class name and message
            answer = {"kind": "error", "type": type(e).__name__, "message": str(e)}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()

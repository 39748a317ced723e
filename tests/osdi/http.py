"""Talking to the OSDI API of a live server over real HTTP, as a campaign tool would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TOKEN_HEADER = "OSDI-API-Token"


@dataclass
class Answer:
    status: int
    headers: Any
    body: Any


def api_call(url: str, *, token: str | None, method: str = "GET", body: Any = None) -> Answer:
    headers = {"Accept": "application/hal+json"}
    if token is not None:
        headers[TOKEN_HEADER] = token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.headers, json.loads(response.read() or b"null"))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, json.loads(error.read() or b"null"))

"""A minimal Language Server Protocol client for yaml-language-server, as an editor drives it.

The server is the npm package pinned in tests/editor/package-lock.json (installed
by `make test` with `npm ci`); it runs as a child process over stdio, speaking
JSON-RPC with Content-Length framing. Used by tests/test_editor_schema.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "editor" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


class YamlLanguageServer:
    """One server process; open documents, read the diagnostics it publishes, ask for completions."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.request("initialize", {"processId": None, "rootUri": ROOT.as_uri(), "capabilities": {
            "textDocument": {"completion": {"completionItem": {"snippetSupport": True,
                                                                "documentationFormat": ["markdown", "plaintext"]}},
                             "hover": {"contentFormat": ["markdown", "plaintext"]}}}})
        self.notify("initialized", {})
        # What the Red Hat YAML extension sends; no schema store: nothing is fetched from the network.
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": {
            "validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}})

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        length = 0
        while (line := self.process.stdout.readline().strip()):
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if not length:
            raise EOFError("yaml-language-server closed its output")
        message: dict[str, Any] = json.loads(self.process.stdout.read(length))
        return message

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
        elif method is not None and "id" in message:  # a request from the server (configuration, ...)
            items = message.get("params", {}).get("items", [])
            self._send({"id": message["id"], "result": [None] * len(items) if items else None})

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self._send({"id": wanted, "method": method, "params": params})
        while True:
            message = self._read()
            if message.get("id") == wanted and "method" not in message:
                return message.get("result")
            self._dispatch(message)

    def check(self, path: Path, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Open the file as an editor does and return the diagnostics the server publishes for it."""
        uri = path.resolve().as_uri()
        self.diagnostics.pop(uri, None)
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": path.read_text(encoding="utf-8")}})
        deadline = time.monotonic() + timeout
        while uri not in self.diagnostics:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no diagnostics for {path}")
            self._dispatch(self._read())
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        return self.diagnostics[uri]

    def complete(self, path: Path, text: str, line: int, character: int) -> list[dict[str, Any]]:
        """Completion items at a 0-based position of text, opened as the file at path."""
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                              "text": text}})
        result = self.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                          "position": {"line": line, "character": character}})
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        items: list[dict[str, Any]] = result.get("items", []) if isinstance(result, dict) else result or []
        return items

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except (OSError, EOFError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()

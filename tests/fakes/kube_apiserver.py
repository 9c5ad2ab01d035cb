"""A small loopback Kubernetes API server for tests: no kube-apiserver can run here.

It speaks the real wire format the official `kubernetes` client expects, for the few
resources triage reads and writes:

- lists (`{"kind": "JobList", "apiVersion": "batch/v1", "metadata": {"resourceVersion"}, "items"}`,
  paged with `limit` and `continue`) and single objects for Jobs, CronJobs, Pods and Events, honouring `labelSelector`
  (=, ==, !=, in, notin, exists, !exists) and `fieldSelector` (involvedObject.*, metadata.*);
- watch streams (`?watch=true`) as chunked newline-delimited `{"type", "object"}` events,
  resuming after `resourceVersion`, answering a too-old version with an ERROR event carrying
  a 410 Gone Status, ending after `timeoutSeconds`;
- pod logs as text/plain (`tailLines`, `limitBytes`, `previous`, `container`);
- Status objects for 403/404/409/400, and POST of Jobs (409 AlreadyExists on a name clash).

Tests arrange state with `put`/`delete` (which bump resourceVersion and feed watchers),
`set_log`, `forbid` and `compact`, and can cut live watch connections with `drop_watches`.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (group path prefix, plural) -> (kind, apiVersion)
RESOURCES: dict[str, tuple[str, str]] = {
    "jobs": ("Job", "batch/v1"),
    "cronjobs": ("CronJob", "batch/v1"),
    "pods": ("Pod", "v1"),
    "events": ("Event", "v1"),
}
KIND_TO_PLURAL = {kind: plural for plural, (kind, _) in RESOURCES.items()}

_PATH = re.compile(
    r"^/(?:api/v1|apis/batch/v1)"
    r"(?:/namespaces/(?P<ns>[^/]+))?"
    r"/(?P<plural>jobs|cronjobs|pods|events)"
    r"(?:/(?P<name>[^/]+))?"
    r"(?:/(?P<sub>log|status))?$"
)


def status_object(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metav1.Status as the API server returns it for errors."""
    obj: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        obj["details"] = details
    return obj


# ---------------------------------------------------------------------------------------
# selectors


def _parse_label_selector(selector: str) -> list[tuple[str, str, list[str]]]:
    """Split a label selector into (key, op, values); commas inside `in (...)` are kept."""
    parts, depth, cur = [], 0, ""
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    out = []
    for raw in (p.strip() for p in parts):
        if not raw:
            continue
        m = re.match(r"^(\S+)\s+(in|notin)\s+\((.*)\)$", raw)
        if m:
            out.append((m.group(1), m.group(2), [v.strip() for v in m.group(3).split(",") if v.strip()]))
        elif "!=" in raw:
            k, v = raw.split("!=", 1)
            out.append((k.strip(), "!=", [v.strip()]))
        elif "==" in raw:
            k, v = raw.split("==", 1)
            out.append((k.strip(), "=", [v.strip()]))
        elif "=" in raw:
            k, v = raw.split("=", 1)
            out.append((k.strip(), "=", [v.strip()]))
        elif raw.startswith("!"):
            out.append((raw[1:].strip(), "!exists", []))
        else:
            out.append((raw, "exists", []))
    return out


def labels_match(labels: dict[str, str], selector: str | None) -> bool:
    if not selector:
        return True
    for key, op, values in _parse_label_selector(selector):
        have = labels.get(key)
        if op == "=" and have != values[0]:
            return False
        if op == "!=" and have == values[0]:
            return False
        if op == "in" and have not in values:
            return False
        if op == "notin" and have in values:
            return False
        if op == "exists" and key not in labels:
            return False
        if op == "!exists" and key in labels:
            return False
    return True


def _dig(obj: dict[str, Any], dotted: str) -> Any:
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def fields_match(obj: dict[str, Any], selector: str | None) -> bool:
    if not selector:
        return True
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        negate = "!=" in term
        key, value = re.split(r"!=|==|=", term, maxsplit=1)
        have = _dig(obj, key.strip())
        have_s = "" if have is None else str(have)
        if negate == (have_s == value.strip()):
            return False
    return True


# ---------------------------------------------------------------------------------------
# the store


@dataclass
class _WatchEvent:
    rv: int
    type: str
    plural: str
    obj: dict[str, Any]


@dataclass
class FakeCluster:
    """Objects, logs and the watch event log, guarded by one condition variable."""

    objects: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)
    # (namespace, pod, container, previous) -> HTTP code to answer instead of the log
    log_errors: dict[tuple[str, str, str, bool], tuple[int, str]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)  # "plural" or "pods/log", any verb
    rv: int = 1000
    compacted_rv: int = 0
    history: list[_WatchEvent] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)  # the Authorization header of each request
    cond: threading.Condition = field(default_factory=threading.Condition)


class FakeKubeAPIServer:
    """Threaded loopback server; use as a context manager or call start()/stop()."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """`tls=(certfile, keyfile)` serves HTTPS, as a real API server (and in-cluster config) expects."""
        self.cluster = FakeCluster()
        self._live_sockets: set[socket.socket] = set()
        self._dropped: set[socket.socket] = set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._tls = tls is not None
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def start(self) -> FakeKubeAPIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop_watches()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeKubeAPIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_kubeconfig(self, path: Path, namespace: str = "default") -> Path:
        """A kubeconfig pointing at this server (token auth, plain HTTP on loopback)."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "triage", "user": {"token": "fake-token-for-tests"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "triage", "namespace": namespace}}],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        return path

    # -- arranging state -------------------------------------------------------------
    def put(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create or replace an object (fills uid/resourceVersion) and tell watchers."""
        kind = obj["kind"]
        plural = KIND_TO_PLURAL[kind]
        meta = obj.setdefault("metadata", {})
        key = (plural, meta.get("namespace", "default"), meta["name"])
        with self.cluster.cond:
            existed = key in self.cluster.objects
            meta.setdefault("namespace", "default")
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            self.cluster.rv += 1
            meta["resourceVersion"] = str(self.cluster.rv)
            self.cluster.objects[key] = json.loads(json.dumps(obj))
            self.cluster.history.append(
                _WatchEvent(self.cluster.rv, "MODIFIED" if existed else "ADDED", plural, self.cluster.objects[key])
            )
            self.cluster.cond.notify_all()
        return obj

    def load(self, objects: Iterable[dict[str, Any]]) -> None:
        for obj in objects:
            self.put(obj)

    def delete(self, kind: str, namespace: str, name: str) -> None:
        plural = KIND_TO_PLURAL[kind]
        with self.cluster.cond:
            obj = self.cluster.objects.pop((plural, namespace, name))
            self.cluster.rv += 1
            obj["metadata"]["resourceVersion"] = str(self.cluster.rv)
            self.cluster.history.append(_WatchEvent(self.cluster.rv, "DELETED", plural, obj))
            self.cluster.cond.notify_all()

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        with self.cluster.cond:
            return self.cluster.objects.get((KIND_TO_PLURAL[kind], namespace, name))

    def list(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        plural = KIND_TO_PLURAL[kind]
        with self.cluster.cond:
            return [o for (p, ns, _), o in self.cluster.objects.items() if p == plural and namespace in (None, ns)]

    def set_log(self, namespace: str, pod: str, container: str, text: str, previous: bool = False) -> None:
        self.cluster.logs[(namespace, pod, container, previous)] = text

    def set_log_error(self, namespace: str, pod: str, container: str, code: int, message: str, previous: bool = False) -> None:
        self.cluster.log_errors[(namespace, pod, container, previous)] = (code, message)

    def forbid(self, resource: str) -> None:
        """Answer 403 for a resource ("pods", "pods/log", "events", "jobs", "cronjobs")."""
        self.cluster.forbidden.add(resource)

    def compact(self) -> None:
        """Forget the watch history: resuming from any older resourceVersion gets 410 Gone."""
        with self.cluster.cond:
            self.cluster.compacted_rv = self.cluster.rv
            self.cluster.history.clear()
            self.cluster.cond.notify_all()

    def drop_watches(self) -> None:
        """Cut every open watch connection mid-stream, as a restarting API server does."""
        for sock in list(self._live_sockets):
            self._dropped.add(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.cluster.cond:
            self.cluster.cond.notify_all()

    def requests_matching(self, method: str, path_part: str) -> list[str]:
        return [p for m, p in list(self.cluster.requests) if m == method and path_part in p]


def load_scenario(path: Path) -> dict[str, Any]:
    """A recorded scenario: {"objects": [...], "logs": [{namespace, pod, container, previous, text}],
    "log_errors": [{..., code, message}]}."""
    return json.loads(path.read_text())


def install_scenario(server: FakeKubeAPIServer, scenario: dict[str, Any]) -> None:
    server.load(scenario.get("objects", []))
    for entry in scenario.get("logs", []):
        server.set_log(entry["namespace"], entry["pod"], entry["container"], entry["text"], entry.get("previous", False))
    for entry in scenario.get("log_errors", []):
        server.set_log_error(entry["namespace"], entry["pod"], entry["container"], entry["code"], entry["message"],
                             entry.get("previous", False))
    for resource in scenario.get("forbidden", []):
        server.forbid(resource)


# ---------------------------------------------------------------------------------------
# the HTTP side


def _make_handler(server: FakeKubeAPIServer) -> type[BaseHTTPRequestHandler]:
    cluster = server.cluster

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        # -- plumbing ----------------------------------------------------------------
        def _send_json(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_status(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
            self._send_json(code, status_object(code, reason, message, details))

        def _route(self) -> tuple[re.Match[str] | None, dict[str, str]]:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            cluster.requests.append((self.command, self.path))
            cluster.authorizations.append(self.headers.get("Authorization", ""))
            return _PATH.match(parts.path), query

        def _forbidden(self, resource: str, verb: str, ns: str | None, name: str | None) -> bool:
            if resource not in cluster.forbidden:
                return False
            group = "" if resource.startswith(("pods", "events")) else "batch"
            where = f' in the namespace "{ns}"' if ns else " at the cluster scope"
            what = f'{resource.split("/")[0]} "{name}"' if name else resource.split("/")[0]
            self._send_status(
                403,
                "Forbidden",
                f'{what} is forbidden: User "system:serviceaccount:triage:triage" cannot {verb} '
                f'resource "{resource}" in API group "{group}"{where}',
                {"name": name or "", "group": group, "kind": resource.split("/")[0]},
            )
            return True

        # -- verbs -------------------------------------------------------------------
        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            if self.path.startswith("/version"):
                self._send_json(200, {"major": "1", "minor": "31", "gitVersion": "v1.31.0-fake"})
                return
            m, query = self._route()
            if not m:
                self._send_status(404, "NotFound", "the server could not find the requested resource")
                return
            ns, plural, name, sub = m.group("ns"), m.group("plural"), m.group("name"), m.group("sub")
            kind, api_version = RESOURCES[plural]
            if sub == "log":
                self._log(ns or "default", name or "", query)
                return
            if self._forbidden(plural, "watch" if query.get("watch") in ("true", "True", "1") else ("get" if name else "list"), ns, name):
                return
            if name:
                with cluster.cond:
                    obj = cluster.objects.get((plural, ns or "default", name))
                if obj is None:
                    group = "batch" if api_version.startswith("batch") else ""
                    qualified = f"{plural}.{group}" if group else plural
                    self._send_status(404, "NotFound", f'{qualified} "{name}" not found',
                                      {"name": name, "group": group, "kind": plural})
                    return
                self._send_json(200, obj)
                return
            if query.get("watch") in ("true", "True", "1"):
                self._watch(plural, ns, query)
                return
            with cluster.cond:
                items = [
                    o for (p, ons, _), o in cluster.objects.items()
                    if p == plural and (ns is None or ons == ns)
                    and labels_match(o["metadata"].get("labels") or {}, query.get("labelSelector"))
                    and fields_match(o, query.get("fieldSelector"))
                ]
                rv = cluster.rv
            items.sort(key=lambda o: int(o["metadata"]["resourceVersion"]))
            meta: dict[str, Any] = {"resourceVersion": str(rv)}
            # Paging: `limit` and an opaque `continue` token (here: snapshot version and offset).
            offset = 0
            if query.get("continue"):
                token = json.loads(base64.urlsafe_b64decode(query["continue"]).decode())
                offset, meta["resourceVersion"] = token["offset"], token["rv"]
            limit = int(query.get("limit") or 0)
            if limit and len(items) - offset > limit:
                token = {"rv": meta["resourceVersion"], "offset": offset + limit}
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
                meta["remainingItemCount"] = len(items) - offset - limit
            items = items[offset:offset + limit] if limit else items[offset:]
            self._send_json(200, {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta, "items": items})

        def do_POST(self) -> None:  # noqa: N802
            m, _ = self._route()
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not m or m.group("name") or m.group("plural") != "jobs" or not m.group("ns"):
                self._send_status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
                return
            ns = m.group("ns")
            if self._forbidden("jobs", "create", ns, None):
                return
            name = (body.get("metadata") or {}).get("name")
            if not name:
                self._send_status(422, "Invalid", 'Job.batch "" is invalid: metadata.name: Required value: name or generateName is required')
                return
            if body.get("kind") not in (None, "Job"):
                self._send_status(400, "BadRequest", f"the body kind {body.get('kind')!r} does not match Job")
                return
            with cluster.cond:
                if ("jobs", ns, name) in cluster.objects:
                    exists = True
                else:
                    exists = False
            if exists:
                self._send_status(409, "AlreadyExists", f'jobs.batch "{name}" already exists',
                                  {"name": name, "group": "batch", "kind": "jobs"})
                return
            body["kind"], body["apiVersion"] = "Job", "batch/v1"
            body["metadata"]["namespace"] = ns
            body.setdefault("status", {})
            # The real API server generates the selector and the controller-uid labels.
            created = server.put(body)
            uid = created["metadata"]["uid"]
            spec = created.setdefault("spec", {})
            tmpl_labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
            tmpl_labels.update({"batch.kubernetes.io/controller-uid": uid, "controller-uid": uid,
                                "batch.kubernetes.io/job-name": name, "job-name": name})
            spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
            created = server.put(created)
            self._send_json(201, created)

        # -- logs and watches --------------------------------------------------------
        def _log(self, ns: str, pod: str, query: dict[str, str]) -> None:
            if self._forbidden("pods/log", "get", ns, pod):
                return
            with cluster.cond:
                obj = cluster.objects.get(("pods", ns, pod))
            if obj is None:
                self._send_status(404, "NotFound", f'pods "{pod}" not found', {"name": pod, "kind": "pods"})
                return
            containers = [c["name"] for c in obj.get("spec", {}).get("containers", [])]
            containers += [c["name"] for c in obj.get("spec", {}).get("initContainers", [])]
            container = query.get("container") or (containers[0] if len(containers) == 1 else "")
            if not container:
                self._send_status(400, "BadRequest",
                                  f"a container name must be specified for pod {pod}, choose one of: {containers}")
                return
            previous = query.get("previous") in ("true", "True", "1")
            err = cluster.log_errors.get((ns, pod, container, previous))
            if err:
                code, message = err
                self._send_status(code, {400: "BadRequest", 403: "Forbidden", 404: "NotFound"}.get(code, "InternalError"), message)
                return
            text = cluster.logs.get((ns, pod, container, previous))
            if text is None:
                if previous:
                    self._send_status(400, "BadRequest",
                                      f'previous terminated container "{container}" in pod "{pod}" not found')
                else:
                    self._send_status(400, "BadRequest",
                                      f'container "{container}" in pod "{pod}" is waiting to start: ContainerCreating')
                return
            if query.get("tailLines"):
                lines = text.splitlines(keepends=True)
                text = "".join(lines[-int(query["tailLines"]):])
            data = text.encode()
            if query.get("limitBytes"):
                data = data[: int(query["limitBytes"])]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _chunk(self, payload: bytes) -> None:
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        def _watch(self, plural: str, ns: str | None, query: dict[str, str]) -> None:
            since = int(query.get("resourceVersion") or 0)
            deadline = time.monotonic() + float(query.get("timeoutSeconds") or 300)
            selector = query.get("labelSelector")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            server._live_sockets.add(self.connection)
            try:
                with cluster.cond:
                    too_old = since and since < cluster.compacted_rv
                if too_old:
                    # The real server answers 200 and then one ERROR event with a 410 Status.
                    gone = status_object(410, "Expired", f"too old resource version: {since} ({cluster.compacted_rv})")
                    self._chunk(json.dumps({"type": "ERROR", "object": gone}).encode() + b"\n")
                    self._chunk(b"")
                    return
                sent = since
                while True:
                    if self.connection in server._dropped:
                        return
                    with cluster.cond:
                        pending = [
                            e for e in cluster.history
                            if e.rv > sent and e.plural == plural
                            and (ns is None or e.obj["metadata"].get("namespace") == ns)
                        ]
                        if not pending:
                            left = deadline - time.monotonic()
                            if left <= 0:
                                break
                            cluster.cond.wait(timeout=min(left, 0.5))
                            continue
                    for e in pending:
                        sent = e.rv
                        if labels_match(e.obj["metadata"].get("labels") or {}, selector):
                            self._chunk(json.dumps({"type": e.type, "object": e.obj}).encode() + b"\n")
                self._chunk(b"")
            except OSError:
                pass  # dropped by drop_watches() or the client went away
            finally:
                server._live_sockets.discard(self.connection)
                server._dropped.discard(self.connection)
                self.close_connection = True

    return Handler

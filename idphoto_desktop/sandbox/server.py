"""The sandbox server: the provider's contract on 127.0.0.1, backed by any engine.

Tests run the real HTTP client against it, and studios train with it without paying.
The HTTP side runs on a background thread (one daemon thread per connection); engine
work for tasks runs on a small worker pool, so queued tasks really wait in state 0.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

from idphoto_desktop.engines.base import Engine
from idphoto_desktop.sandbox.fetch import HostAllowList, post_callback
from idphoto_desktop.sandbox.handler import SandboxHTTPServer
from idphoto_desktop.sandbox.tasks import (
    RateLimiter,
    RequestCounter,
    ResultStore,
    Task,
    TaskStore,
)
from idphoto_desktop.sandbox.worker import WorkContext, run_task

log = logging.getLogger("idphoto_desktop.sandbox")


class SandboxServer:
    """A local stand-in for the provider; ``start()`` it, then use ``base_url``.

    ``faults`` applies fault specs (see ``sandbox.faults``) to every API request, for
    sessions where the client cannot add the ``X-Sandbox-Fault`` header.
    """

    def __init__(
        self,
        engine: Engine,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        result_ttl_s: float = 3600.0,
        rate_limit_per_s: float | None = 2.0,
        processing_delay_s: float = 0.0,
        workers: int = 2,
        faults: str = "",
        image_url_hosts: list[str] | tuple[str, ...] = (),
        max_pending_tasks: int = 100,
        max_pending_bytes: int = 256 * 1024 * 1024,
    ) -> None:
        if not token:
            raise ValueError("The sandbox needs a non-empty token.")
        self.engine = engine
        self.token = token
        self.host = host
        self.port = port
        self.processing_delay_s = processing_delay_s
        self.faults = faults
        self.tasks = TaskStore()
        self.results = ResultStore(result_ttl_s)
        self.limiter = RateLimiter(rate_limit_per_s)
        self.counter = RequestCounter()
        self.stop_event = threading.Event()
        self.sockets_lock = threading.Lock()
        self.connections_accepted = 0  # TCP connections, under sockets_lock (keep-alive shows)
        self._workers = max(1, workers)
        self._callbacks_lock = threading.Lock()
        self._callbacks_sent = 0
        self._httpd: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._callback_pool: ThreadPoolExecutor | None = None
        self.url_allow = HostAllowList.parse(list(image_url_hosts))
        self.max_pending_tasks = max(1, max_pending_tasks)
        self.max_pending_bytes = max(1, max_pending_bytes)
        self._pending_lock = threading.Lock()
        self._pending_tasks = 0
        self._pending_bytes = 0

    def __repr__(self) -> str:  # never the token
        return f"SandboxServer(engine={self.engine.name!r}, host={self.host!r}, port={self.port})"

    # ----- lifecycle -----
    def start(self) -> SandboxServer:
        """Bind and serve on a background thread; returns self for chaining."""
        if self._httpd is not None:
            raise RuntimeError("The sandbox server is already running.")
        self.stop_event.clear()
        httpd = SandboxHTTPServer((self.host, self.port), self)
        self.port = int(httpd.server_address[1])
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="sandbox-worker")
        self._callback_pool = ThreadPoolExecutor(2, thread_name_prefix="sandbox-callback")
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="sandbox-http",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox serving %s with engine %s", self.base_url, self.engine.name)
        return self

    def stop(self) -> None:
        """Stop serving, end waiting tasks and drop open connections. Idempotent."""
        httpd = self._httpd
        if httpd is None:
            return
        self.stop_event.set()
        httpd.shutdown()
        httpd.drop_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._callback_pool is not None:
            self._callback_pool.shutdown(wait=True, cancel_futures=True)
        self._httpd = None
        self._thread = None
        self._pool = None
        self._callback_pool = None
        log.info("sandbox stopped")

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----- what tests look at -----
    @property
    def base_url(self) -> str:
        host = self.host
        if host in ("", "0.0.0.0"):  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def request_counts(self) -> Counter[str]:
        """A snapshot: ``"POST /task/pic/idphoto"``, ``"GET /task/{id}"``, ``"GET /results"``."""
        return self.counter.snapshot()

    @property
    def callbacks_sent(self) -> int:
        """Callbacks the receiver answered with 2xx."""
        with self._callbacks_lock:
            return self._callbacks_sent

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # ----- capacity: a bounded queue and a memory cap -----
    def admit(self, nbytes: int) -> str | None:
        """Reserve room for one task of ``nbytes`` uploaded bytes.

        None when admitted (call :meth:`release` or hand the reservation to
        :meth:`submit`); ``"queue"`` when too many tasks wait (HTTP 429), ``"memory"``
        when the uploads held would pass the memory cap (HTTP 503).
        """
        with self._pending_lock:
            if self._pending_tasks >= self.max_pending_tasks:
                return "queue"
            if self._pending_bytes + nbytes > self.max_pending_bytes:
                return "memory"
            self._pending_tasks += 1
            self._pending_bytes += nbytes
        return None

    def release(self, nbytes: int) -> None:
        with self._pending_lock:
            self._pending_tasks = max(0, self._pending_tasks - 1)
            self._pending_bytes = max(0, self._pending_bytes - nbytes)

    @property
    def pending(self) -> tuple[int, int]:
        """(tasks, bytes) admitted and not yet finished."""
        with self._pending_lock:
            return self._pending_tasks, self._pending_bytes

    # ----- used by the handler -----
    def submit(self, task: Task, *, reserved_bytes: int | None = None) -> None:
        """Queue ``task`` on the worker pool (it stays in state 0 until a worker is free).

        ``reserved_bytes``: the reservation made by :meth:`admit`, released when the task
        ends (None: the task was not admitted through :meth:`admit`).
        """
        self.tasks.add(task)
        pool = self._pool
        if pool is None or self.stop_event.is_set():
            task.fail(-13, "the sandbox is shutting down")
            if reserved_bytes is not None:
                self.release(reserved_bytes)
            return
        try:
            pool.submit(self._run, task, reserved_bytes)
        except RuntimeError:  # pool shut down meanwhile
            task.fail(-13, "the sandbox is shutting down")
            if reserved_bytes is not None:
                self.release(reserved_bytes)

    def wait_for(self, task: Task) -> None:
        """Block a sync request until its task ends or the server stops."""
        while not task.done.wait(0.05):
            if self.stop_event.is_set():
                return

    def _run(self, task: Task, reserved_bytes: int | None = None) -> None:
        context = WorkContext(
            engine=self.engine,
            results=self.results,
            stop=self.stop_event,
            processing_delay_s=self.processing_delay_s,
            base_url=lambda: self.base_url,
            url_allow=self.url_allow,
        )
        try:
            run_task(task, context)
        finally:
            if reserved_bytes is not None:
                self.release(reserved_bytes)
        if task.done.is_set() and task.form.callback_url:
            pool = self._callback_pool
            if pool is not None:
                try:
                    pool.submit(self._notify, task)
                except RuntimeError:
                    log.warning("callback skipped: the sandbox is shutting down")

    def _notify(self, task: Task) -> None:
        url = task.form.callback_url
        if url is None:
            return
        if post_callback(url, {"status": 200, "data": task.reply_data()}, allow=self.url_allow):
            with self._callbacks_lock:
                self._callbacks_sent += 1

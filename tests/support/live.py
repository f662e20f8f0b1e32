"""Reading a real server-sent event stream from a test: a thread reads the response line by line
and hands each event (and the stream's end) to the test through a queue."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import httpx

WAIT = 30.0
"""How long a test waits for an event it expects: a bound, never a measurement."""


@dataclass(frozen=True)
class Event:
    name: str
    data: str


ENDED = Event("(stream ended)", "")


@dataclass
class EventReader:
    """``GET url`` as a stream on ``http`` (cookies and all), read in a thread of its own."""

    http: httpx.Client
    url: str
    status: int | None = None
    events: queue.Queue[Event] = field(default_factory=queue.Queue)
    heartbeats: int = 0
    seen: list[Event] = field(default_factory=list)
    _connected: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> EventReader:
        """Returns once the stream is answered and, for a 200, once the server says it follows
        its topic (``: connected``, sent after it subscribed): an entry written from then on
        reaches it. The response's headers alone come before the subscription."""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        if not self._connected.wait(WAIT):
            raise AssertionError(f"{self.url} did not answer")
        return self

    def _read(self) -> None:
        try:
            with self.http.stream("GET", self.url, timeout=httpx.Timeout(10, read=None)) as answer:
                self.status = answer.status_code
                if answer.status_code != 200:
                    return
                name, data = "", []
                for line in answer.iter_lines():
                    if line.startswith(": connected"):
                        self._connected.set()
                    if line.startswith(":"):
                        self.heartbeats += line.startswith(": heartbeat")
                    elif line.startswith("event:"):
                        name = line.removeprefix("event:").strip()
                    elif line.startswith("data:"):
                        data.append(line.removeprefix("data:").removeprefix(" "))
                    elif not line and (name or data):
                        self.events.put(Event(name, "\n".join(data)))
                        name, data = "", []
        except httpx.HTTPError:
            pass
        finally:
            self.http.close()
            self._connected.set()
            self.events.put(ENDED)

    def next(self, wait: float = WAIT) -> Event:
        """The next event (or ``ENDED``); fails when none comes within ``wait`` seconds."""
        try:
            event = self.events.get(timeout=wait)
        except queue.Empty:
            raise AssertionError(f"no event on {self.url} within {wait} s") from None
        self.seen.append(event)
        return event

    def next_entry(self, wait: float = WAIT) -> Event:
        """The next timeline entry (an unnamed event)."""
        event = self.next(wait)
        assert event.name == "", event
        return event

    def expect_end(self, *, with_end_event: bool) -> None:
        """The stream ends, after the entries still coming: with an ``end`` event, or (a server
        stopping) without one."""
        event = self.next()
        while event.name == "" and event != ENDED:
            event = self.next()
        if with_end_event:
            assert event == Event("end", ""), event
            event = self.next()
        assert event == ENDED, event

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join(WAIT)

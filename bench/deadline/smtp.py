"""A mail server for the bench: accepts every message over plain SMTP on a free port of
127.0.0.1 and counts it, so that the Celery worker delivers the workflow's mail as it would in
production, and nothing leaves the machine."""

import asyncio
import threading

from tests.servers import free_port


class SmtpSink:
    def __init__(self) -> None:
        self.port = free_port()
        self.messages = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smtp-sink", daemon=True)

    def start(self) -> "SmtpSink":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the bench's SMTP server did not start")
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", self.port)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reply = writer.write
        reply(b"220 bench ESMTP\r\n")
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    reply(b"250-bench\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    reply(b"354 end with <CRLF>.<CRLF>\r\n")
                    await writer.drain()
                    while (await reader.readline()) not in (b".\r\n", b""):
                        pass
                    self.messages += 1
                    reply(b"250 accepted\r\n")
                elif verb == b"QUIT":
                    reply(b"221 bye\r\n")
                    break
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    reply(b"250 ok\r\n")
                await writer.drain()
        finally:
            writer.close()

"""A tiny SMTP responder on 127.0.0.1 (the standard library has no SMTP server since 3.12):
enough of RFC 5321 for smtplib (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, QUIT). It
records each message (the login, the envelope and the data). `reply_to_rcpt` queues an
answer to the next RCPT (e.g. "451 try later", "550 no such user")."""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Delivered:
    login: str
    sender: str
    recipients: list[str]
    data: str


@dataclass
class FakeSMTP:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Delivered] = field(default_factory=list)
    rcpt_replies: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    def reply_to_rcpt(self, line: str) -> None:
        self.rcpt_replies.append(line)


def start() -> tuple[FakeSMTP, socketserver.ThreadingTCPServer]:
    fake = FakeSMTP()
    lock = threading.Lock()

    class Handler(socketserver.StreamRequestHandler):
        def say(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            login, sender, recipients = "", "", []
            self.say("220 fake-smtp ready")
            while line := self.rfile.readline().decode(errors="replace").rstrip("\r\n"):
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.say("250-fake-smtp")
                    self.say("250 AUTH PLAIN LOGIN")
                elif verb == "AUTH":
                    parts = line.split()
                    if parts[1].upper() == "PLAIN":
                        login = base64.b64decode(parts[2]).decode().split("\0")[1]
                        self.say("235 ok")
                    else:  # LOGIN: user then password, each base64 after a 334
                        self.say("334 VXNlcm5hbWU6")
                        login = base64.b64decode(self.rfile.readline().strip()).decode()
                        self.say("334 UGFzc3dvcmQ6")
                        self.rfile.readline()
                        self.say("235 ok")
                    with lock:
                        fake.logins.append(login)
                elif verb == "MAIL":
                    sender = line.split(":", 1)[1].strip().strip("<>").split(">")[0]
                    self.say("250 ok")
                elif verb == "RCPT":
                    with lock:
                        reply = fake.rcpt_replies.pop(0) if fake.rcpt_replies else "250 ok"
                    if reply.startswith("250"):
                        recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                    self.say(reply)
                elif verb == "DATA":
                    self.say("354 end with .")
                    lines = []
                    while (data := self.rfile.readline().decode()) not in (".\r\n", ".\n", ""):
                        lines.append(data[1:] if data.startswith("..") else data)
                    with lock:
                        fake.messages.append(Delivered(login, sender, recipients, "".join(lines)))
                    self.say("250 queued as fake")
                    sender, recipients = "", []
                elif verb == "RSET":
                    sender, recipients = "", []
                    self.say("250 ok")
                elif verb == "QUIT":
                    self.say("221 bye")
                    return
                else:
                    self.say("250 ok")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server

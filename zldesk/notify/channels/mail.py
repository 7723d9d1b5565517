"""Email over SMTP (smtplib): `security = "starttls"` (port 587 by default: a plain connection upgraded
with STARTTLS before the login; a server that does not offer STARTTLS is refused rather than sent the
password in the clear) or `"tls"` (port 465: TLS from the first byte). The server's certificate is
verified (`cafile` names a private CA). A 4xx answer, a timeout or a dropped connection is retried; a
refused login, sender or recipient and any other 5xx are not."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from zldesk.notify.channels.web import unreachable
from zldesk.notify.message import Delivery, Message

KEYS = {"host", "port", "security", "user", "password", "sender", "to", "cafile"}
REQUIRED = {"host", "sender", "to"}
SECURITY = {"starttls": 587, "tls": 465}


def compose(channel: dict, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = channel["sender"]
    mail["To"] = ", ".join(channel["to"])
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="zldesk")
    mail.set_content(message.text)
    return mail


def _context(channel: dict) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=channel.get("cafile"))


def send(channel: dict, message: Message, timeout: float) -> Delivery:
    security = channel.get("security", "starttls")
    port = channel.get("port", SECURITY[security])
    try:
        if security == "tls":
            smtp = smtplib.SMTP_SSL(channel["host"], port, timeout=timeout, context=_context(channel))
        else:
            smtp = smtplib.SMTP(channel["host"], port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    return Delivery(False, False, "starttls_unsupported", "邮件服务器不支持 STARTTLS：没有发出密码")
                smtp.starttls(context=_context(channel))
                smtp.ehlo()
            if channel.get("user"):
                smtp.login(channel["user"], channel.get("password", ""))
            smtp.send_message(compose(channel, message))
        return Delivery(True, False, "sent")
    except smtplib.SMTPAuthenticationError as exc:
        return Delivery(False, False, "auth_failed", f"邮件服务器拒绝登录（{exc.smtp_code}）：检查 user 与 password")
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        temporary = all(400 <= c < 500 for c in codes)
        return Delivery(
            False, temporary, "recipients_refused", f"邮件服务器拒收收件人（{len(exc.recipients)} 个，{codes}）"
        )
    except smtplib.SMTPSenderRefused as exc:
        return Delivery(False, 400 <= exc.smtp_code < 500, "sender_refused", f"邮件服务器拒收发件人（{exc.smtp_code}）")
    except smtplib.SMTPResponseException as exc:
        temporary = 400 <= exc.smtp_code < 500
        return Delivery(False, temporary, f"smtp_{exc.smtp_code}", f"邮件服务器回答 {exc.smtp_code}")
    except smtplib.SMTPNotSupportedError:
        return Delivery(False, False, "smtp_unsupported", "邮件服务器不支持所需的功能（如 AUTH）")
    except smtplib.SMTPServerDisconnected:
        return Delivery(False, True, "network", "邮件服务器断开了连接")
    except ssl.SSLCertVerificationError as exc:
        return unreachable(exc)
    except ssl.SSLError:
        return Delivery(False, True, "tls", "与邮件服务器的 TLS 握手失败")
    except (smtplib.SMTPException, OSError) as exc:
        return unreachable(exc)

"""Notifications (issue 18): what is sent (message.py), the rules and channels of the config file, the events
the rules find at an instant (rules.py, pure), the channels that carry them (channels/: WeCom, DingTalk,
Feishu, email, webhook, over the standard library's HTTP and SMTP clients), and the watcher that writes them
to the store's outbox and sends them (watcher.py). No Textual, no Typer."""

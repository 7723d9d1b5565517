"""Notifications (issue 18): the rules and channels of the config file, the events the rules find at an
instant (rules.py, pure), and the watcher that writes them to the store's outbox and sends them (watcher.py).
The channels themselves (WeCom, DingTalk, Feishu, email, webhook) are channels/."""

"""The `zldesk` command. Only Typer is imported here; each command imports what it needs when it runs."""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import partial
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .commands.state import State
from .errors import ZlDeskError

# The commands under the root, in the order `zldesk --help` lists them: where each lives ("module:name",
# a Typer sub-app or a command function) and the modules that add more commands to it when imported. A
# command's module is imported, and its click command built, only when it is run or listed (`--help`):
# `zldesk covered mzsf` loads and builds `covered` alone, not the ticket, roster and audit groups.
COMMANDS: dict[str, tuple[str, ...]] = {
    "contracts": ("commands.contracts:contracts",),
    "covered": ("commands.contracts:covered",),
    "backup": ("commands.backup:backup",),
    "restore": ("commands.backup:restore",),
    "migrate": ("commands.migrate:migrate",),
    "paths": ("cli:paths",),
    # import: + modules, tickets, contacts; export: + contacts
    "import": ("commands.contracts:import_app", "commands.modules", "commands.register", "commands.people"),
    "export": ("commands.contracts:export_app", "commands.people"),
    "who": ("commands.who:who",),
    "sla": ("commands.sla:sla_app",),
    "ticket": ("commands.tickets:ticket_app", "commands.search"),  # search adds `ticket search`
    "roster": ("commands.roster:roster_app", "commands.duty"),  # duty adds now, gaps, notice, hours
    "handover": ("commands.handover:handover_app",),
    "report": ("commands.report:report",),
    "obligations": ("commands.obligations:obligations",),
    "obligation": ("commands.obligations:obligation_app",),
    "audit": ("commands.audit:audit_app",),
    "watch": ("commands.notify:watch",),
    "notify": ("commands.notify:notify_app",),
}


class _Commands(MutableMapping):
    """A group's subcommands by name (click's `Group.commands`), each built on first lookup by its maker
    (a function of no arguments); any set on the group itself come after them, in the order set."""

    def __init__(self, built: dict, makers: dict) -> None:
        self.built, self.makers = built, makers
        self.names = list(makers) + [n for n in built if n not in makers]

    def __getitem__(self, name: str):
        if name not in self.built:
            if name not in self.makers:
                raise KeyError(name)
            self.built[name] = self.makers[name]()
        return self.built[name]

    def __setitem__(self, name: str, command) -> None:
        self.built[name] = command
        if name not in self.names:
            self.names.append(name)

    def __delitem__(self, name: str) -> None:
        self.names.remove(name)
        self.built.pop(name, None)

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _build(name: str, app: typer.Typer):
    """The click command of COMMANDS[name], as `app.add_typer(sub, name=name)` or `app.command(name)(f)`
    would have made it with the app's settings; a group's own commands are built as they are looked up
    (`ticket show` builds `show`, not the seventeen others)."""
    from importlib import import_module

    import typer.main as tm
    from typer.models import CommandInfo, TyperInfo

    where, *more = COMMANDS[name]
    module, attribute = where.split(":")
    target = getattr(import_module(f"{__package__}.{module}"), attribute)
    for extra in more:
        import_module(f"{__package__}.{extra}")
    settings = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": app.rich_markup_mode}
    if not isinstance(target, typer.Typer):
        return tm.get_command_from_info(CommandInfo(name=name, callback=target), **settings)
    registered, target.registered_commands = target.registered_commands, []
    try:
        group = tm.get_group_from_info(TyperInfo(target, name=name), suggest_commands=app.suggest_commands, **settings)
    finally:
        target.registered_commands = registered
    makers = {
        info.name or tm.get_command_name(info.callback.__name__): partial(tm.get_command_from_info, info, **settings)
        for info in registered
    }
    group.commands = _Commands(group.commands, makers)
    return group


class _Group(TyperGroup):
    """Turns a ZlDeskError from any command into a short message on stderr and a non-zero exit; builds its
    subcommands as they are looked up (_Commands)."""

    def __init__(self, *args, commands=None, **kwargs) -> None:
        super().__init__(*args, commands=commands, **kwargs)
        self.commands = _Commands(dict(self.commands), {name: partial(_build, name, app) for name in COMMANDS})

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ZlDeskError as e:
            from .commands.output import error
            from .logs import log

            log.info("error %s (exit %s)", type(e).__name__, e.exit_code)  # the title may name data: not logged
            error(e)
            raise typer.Exit(e.exit_code) from None


app = typer.Typer(
    cls=_Group,
    help="zldesk：ZLHIS 维护合同的值班台。不带命令时打开控制台。",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zldesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="数据库文件或 SQLAlchemy URL（默认 $ZLDESK_DB，再配置文件的 db，再用户数据目录）。",
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本。")] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="在一个临时库里打开演示控制台（各种状态的工单），不碰真实数据。")
    ] = False,
) -> None:
    from .settings import current

    current()  # a bad config file stops every command here, before anything is opened or written
    ctx.obj = State(db=db)
    if ctx.invoked_subcommand is None:
        from .console import run_console, run_demo

        if demo:
            run_demo()
        else:
            from .commands.state import announce_new_store, say_upgrade_backup

            announce_new_store(ctx.obj.url)
            run_console(ctx.obj.url, on_backup=say_upgrade_backup)


def paths(ctx: typer.Context, json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False) -> None:
    """数据库、内置数据和配置文件在哪里，每项设置的值从哪里来。"""
    from .commands.output import print_json, say
    from .data import bundled_contracts, data_dir
    from .settings import VARIABLES, current, describe

    settings = current()
    info = {
        "db": ctx.obj.url,
        "data": str(data_dir()),
        "contracts": [str(p) for p in bundled_contracts()],
        "config": str(settings.config),
        "config_exists": settings.config_exists,
        "settings": describe(settings),
    }
    if ctx.obj.db:
        info["settings"]["db"] = {"value": ctx.obj.db, "source": "option"}
    if json:
        print_json(info)
        return
    say(("数据库    ", "bold"), info["db"])
    say(("内置数据  ", "bold"), info["data"])
    say(("配置文件  ", "bold"), info["config"] + ("" if settings.config_exists else "（不存在）"))
    origin = {"option": "选项 --db", "env": "环境变量 {var}", "config": "配置文件", "default": "默认"}
    for name, shown in info["settings"].items():
        value = "（未设）" if shown["value"] is None else shown["value"]
        say(f"  {name:<10}", value, ("  ← " + origin[shown["source"]].format(var=VARIABLES[name]), "dim"))


def _not_the_store(path) -> None:
    """The log file is appended to: never the store's (as the settings name it; --db is read later, but a
    store it names is a SQLite file, which is refused by its first bytes)."""
    from .settings import current
    from .store.files import refuse_overwrite, store_path

    db = current().db
    refuse_overwrite(path, store_path(db if "://" in db else f"sqlite:///{db}"))


def main() -> None:
    from .errors import OutputRefused, ZlDeskError
    from .logs import log, setup

    try:
        setup(refuse=_not_the_store)
    except OutputRefused as e:  # ZLDESK_LOG_FILE names the store or one of its files
        from .commands.output import error

        error(e)
        raise SystemExit(e.exit_code) from None
    except ZlDeskError:
        pass  # a bad config file: the root command reports it, with its exit code (--help still works)
    import sys

    command = next((a for a in sys.argv[1:] if not a.startswith("-")), "console")  # never the arguments
    log.info("start %s", command)
    app(prog_name="zldesk")

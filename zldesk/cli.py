"""The `zldesk` command. Only Typer is imported here; each command imports what it needs when it runs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from . import __version__
from .commands import contracts as contract_commands
from .commands import duty as _duty  # noqa: F401 - registers roster now, gaps, notice and hours
from .commands import modules as _modules  # noqa: F401 - registers import modules
from .commands import register as _register  # noqa: F401 - registers import tickets
from .commands import search as _search  # noqa: F401 - registers ticket search
from .commands.audit import audit_app
from .commands.migrate import migrate as migrate_command
from .commands.roster import roster_app
from .commands.sla import sla_app
from .commands.state import State
from .commands.tickets import ticket_app
from .errors import ZlDeskError


class _Group(TyperGroup):
    """Turns a ZlDeskError from any command into a short message on stderr and a non-zero exit."""

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
app.add_typer(contract_commands.import_app, name="import")
app.add_typer(contract_commands.export_app, name="export")
app.command("contracts")(contract_commands.contracts)
app.command("covered")(contract_commands.covered)
app.add_typer(sla_app, name="sla")
app.add_typer(ticket_app, name="ticket")
app.add_typer(roster_app, name="roster")
from .commands import backup as backup_commands  # noqa: E402 - kept beside its two lines: others edit the imports

app.command("backup")(backup_commands.backup)
app.command("restore")(backup_commands.restore)
app.command("migrate")(migrate_command)
app.add_typer(audit_app, name="audit")


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


@app.command("paths")
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

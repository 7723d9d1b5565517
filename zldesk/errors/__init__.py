"""One error family: the CLI prints it as a short message with a non-zero exit, the app as a toast.

A traceback is for bugs only; anything a user can cause raises a ZlDeskError. The store raises the
classes below with the facts (codes, paths, versions) and never words: each class words itself.
"""

from .base import ConfigError, InvalidInput, NotFound, OutOfRange, Problem, Refused, StoreError, ZlDeskError
from .records import AmbiguousContract, NoContracts, OverrideRefused, TermsDamaged, UnknownContract, UnknownTicket
from .store import (
    BackupFailed,
    BackupFileRefused,
    BadGroupSetting,
    CannotWrite,
    ChainHeadMissing,
    ChainHeadMoved,
    CopyMismatch,
    FileSetupFailed,
    InvalidStoreUrl,
    NoStoreFile,
    NotAStore,
    NotSqlite,
    OutputRefused,
    RestoreFailed,
    RestoreRefused,
    StoreDamaged,
    StoreFileRefused,
    StoreTooNew,
    TargetNotEmpty,
    UnreadableStore,
    UpgradeBackupFailed,
)

__all__ = [
    "Problem",
    "ZlDeskError",
    "StoreError",
    "NotFound",
    "Refused",
    "OutOfRange",
    "InvalidInput",
    "ConfigError",
    "UnknownContract",
    "UnknownTicket",
    "TermsDamaged",
    "NoContracts",
    "AmbiguousContract",
    "OverrideRefused",
    "InvalidStoreUrl",
    "NotAStore",
    "StoreTooNew",
    "StoreDamaged",
    "UnreadableStore",
    "StoreFileRefused",
    "FileSetupFailed",
    "BadGroupSetting",
    "ChainHeadMissing",
    "ChainHeadMoved",
    "TargetNotEmpty",
    "CopyMismatch",
    "NotSqlite",
    "NoStoreFile",
    "BackupFileRefused",
    "BackupFailed",
    "UpgradeBackupFailed",
    "RestoreRefused",
    "RestoreFailed",
    "CannotWrite",
    "OutputRefused",
]

from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
ERROR_CODE_DISCONNECTED: ErrorCode
ERROR_CODE_INTERNAL: ErrorCode
ERROR_CODE_INVALID: ErrorCode
ERROR_CODE_KICKED: ErrorCode
ERROR_CODE_MUTED: ErrorCode
ERROR_CODE_NOT_PERMITTED: ErrorCode
ERROR_CODE_RATE_LIMITED: ErrorCode
ERROR_CODE_REFUSED_BY_SERVER: ErrorCode
ERROR_CODE_SPAM_FILTERED: ErrorCode
ERROR_CODE_TIMEOUT: ErrorCode
ERROR_CODE_TOO_LONG: ErrorCode
ERROR_CODE_UNKNOWN_ACTION: ErrorCode
ERROR_CODE_UNSPECIFIED: ErrorCode
ERROR_CODE_WRONG_CHANNEL: ErrorCode
MEDIA_POSITION_END: MediaPosition
MEDIA_POSITION_NEXT: MediaPosition
MEDIA_POSITION_UNSPECIFIED: MediaPosition

class AfkCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class BanCommand(_message.Message):
    __slots__ = ["ip", "reason", "username"]
    IP_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ip: bool
    reason: str
    username: str
    def __init__(self, username: _Optional[str] = ..., reason: _Optional[str] = ..., ip: bool = ...) -> None: ...

class ChannelRankCommand(_message.Message):
    __slots__ = ["rank", "username"]
    RANK_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    rank: float
    username: str
    def __init__(self, username: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class ChatCommand(_message.Message):
    __slots__ = ["message"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: str
    def __init__(self, message: _Optional[str] = ...) -> None: ...

class ClearChatCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CommandResult(_message.Message):
    __slots__ = ["action", "code", "correlation_id", "ok", "reason", "retry_after_ms", "server_message"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    SERVER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    action: str
    code: ErrorCode
    correlation_id: str
    ok: bool
    reason: str
    retry_after_ms: int
    server_message: str
    def __init__(self, ok: bool = ..., code: _Optional[_Union[ErrorCode, str]] = ..., reason: _Optional[str] = ..., server_message: _Optional[str] = ..., action: _Optional[str] = ..., correlation_id: _Optional[str] = ..., retry_after_ms: _Optional[int] = ...) -> None: ...

class KickCommand(_message.Message):
    __slots__ = ["reason", "username"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    reason: str
    username: str
    def __init__(self, username: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class LeaderCommand(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class MediaDeleteCommand(_message.Message):
    __slots__ = ["uid"]
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    def __init__(self, uid: _Optional[int] = ...) -> None: ...

class MediaJumpCommand(_message.Message):
    __slots__ = ["uid"]
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    def __init__(self, uid: _Optional[int] = ...) -> None: ...

class MediaMoveCommand(_message.Message):
    __slots__ = ["after_uid", "append", "prepend", "uid"]
    AFTER_UID_FIELD_NUMBER: _ClassVar[int]
    APPEND_FIELD_NUMBER: _ClassVar[int]
    PREPEND_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    after_uid: int
    append: bool
    prepend: bool
    uid: int
    def __init__(self, uid: _Optional[int] = ..., after_uid: _Optional[int] = ..., prepend: bool = ..., append: bool = ...) -> None: ...

class MediaNextCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class MediaQueueCommand(_message.Message):
    __slots__ = ["media", "position", "temp"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    media: MediaRef
    position: MediaPosition
    temp: bool
    def __init__(self, media: _Optional[_Union[MediaRef, _Mapping]] = ..., position: _Optional[_Union[MediaPosition, str]] = ..., temp: bool = ...) -> None: ...

class MediaRef(_message.Message):
    __slots__ = ["duration", "id", "title", "type"]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    duration: float
    id: str
    title: str
    type: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., title: _Optional[str] = ..., duration: _Optional[float] = ...) -> None: ...

class MediaSetTempCommand(_message.Message):
    __slots__ = ["temp", "uid"]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    temp: bool
    uid: int
    def __init__(self, uid: _Optional[int] = ..., temp: bool = ...) -> None: ...

class MotdCommand(_message.Message):
    __slots__ = ["motd"]
    MOTD_FIELD_NUMBER: _ClassVar[int]
    motd: str
    def __init__(self, motd: _Optional[str] = ...) -> None: ...

class MuteCommand(_message.Message):
    __slots__ = ["shadow", "username"]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    shadow: bool
    username: str
    def __init__(self, username: _Optional[str] = ..., shadow: bool = ...) -> None: ...

class PlaylistClearCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PlaylistLockCommand(_message.Message):
    __slots__ = ["locked"]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    locked: bool
    def __init__(self, locked: bool = ...) -> None: ...

class PlaylistShuffleCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PmCommand(_message.Message):
    __slots__ = ["message", "username"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    message: str
    username: str
    def __init__(self, username: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class PollCloseCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PollOpenCommand(_message.Message):
    __slots__ = ["obscured", "options", "retain_votes", "timeout_seconds", "title"]
    OBSCURED_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    RETAIN_VOTES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    obscured: bool
    options: _containers.RepeatedScalarFieldContainer[str]
    retain_votes: bool
    timeout_seconds: float
    title: str
    def __init__(self, title: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ..., obscured: bool = ..., timeout_seconds: _Optional[float] = ..., retain_votes: bool = ...) -> None: ...

class PollVoteCommand(_message.Message):
    __slots__ = ["option"]
    OPTION_FIELD_NUMBER: _ClassVar[int]
    option: int
    def __init__(self, option: _Optional[int] = ...) -> None: ...

class RequestPlaylistCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SendMessage(_message.Message):
    __slots__ = ["channel", "platform", "text", "to"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    channel: str
    platform: str
    text: str
    to: str
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., text: _Optional[str] = ..., to: _Optional[str] = ...) -> None: ...

class UnmuteCommand(_message.Message):
    __slots__ = ["username"]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    def __init__(self, username: _Optional[str] = ...) -> None: ...

class VoteskipCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class MediaPosition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rosey.commands.v1 import commands_pb2 as _commands_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONNECTOR_STATE_CONNECTED: ConnectorState
CONNECTOR_STATE_CONNECTING: ConnectorState
CONNECTOR_STATE_JOINED: ConnectorState
CONNECTOR_STATE_LOGGED_IN: ConnectorState
CONNECTOR_STATE_RECONNECTING: ConnectorState
CONNECTOR_STATE_STOPPED: ConnectorState
CONNECTOR_STATE_UNSPECIFIED: ConnectorState
DESCRIPTOR: _descriptor.FileDescriptor
GAP_REASON_CONNECTION_LOST: GapReason
GAP_REASON_CONNECTOR_RESTART: GapReason
GAP_REASON_KICKED: GapReason
GAP_REASON_LEASE_HANDOVER: GapReason
GAP_REASON_NATS_OUTAGE: GapReason
GAP_REASON_OTHER: GapReason
GAP_REASON_SERVER_DISCONNECT: GapReason
GAP_REASON_UNSPECIFIED: GapReason
MESSAGE_FLAG_ACTION: MessageFlag
MESSAGE_FLAG_DRINK: MessageFlag
MESSAGE_FLAG_GREENTEXT: MessageFlag
MESSAGE_FLAG_SHADOW: MessageFlag
MESSAGE_FLAG_SHOUT: MessageFlag
MESSAGE_FLAG_SPOILER: MessageFlag
MESSAGE_FLAG_SYSTEM: MessageFlag
MESSAGE_FLAG_UNSPECIFIED: MessageFlag
MESSAGE_FLAG_WHISPER: MessageFlag

class ChatCleared(_message.Message):
    __slots__ = ["channel", "cleared_by", "platform"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CLEARED_BY_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    channel: str
    cleared_by: str
    platform: str
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., cleared_by: _Optional[str] = ...) -> None: ...

class ConnectorStatus(_message.Message):
    __slots__ = ["attempt", "channel", "platform", "reason", "since", "state"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    channel: str
    platform: str
    reason: str
    since: _timestamp_pb2.Timestamp
    state: ConnectorState
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., state: _Optional[_Union[ConnectorState, str]] = ..., reason: _Optional[str] = ..., attempt: _Optional[int] = ..., since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ErrorEvent(_message.Message):
    __slots__ = ["action", "channel", "code", "message", "platform", "server_message", "subject"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SERVER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    action: str
    channel: str
    code: _commands_pb2.ErrorCode
    message: str
    platform: str
    server_message: str
    subject: str
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., code: _Optional[_Union[_commands_pb2.ErrorCode, str]] = ..., message: _Optional[str] = ..., server_message: _Optional[str] = ..., subject: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class Gap(_message.Message):
    __slots__ = ["channel", "detail", "end", "platform", "reason", "replay_may_cover", "start"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REPLAY_MAY_COVER_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    channel: str
    detail: str
    end: _timestamp_pb2.Timestamp
    platform: str
    reason: GapReason
    replay_may_cover: bool
    start: _timestamp_pb2.Timestamp
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[_Union[GapReason, str]] = ..., detail: _Optional[str] = ..., replay_may_cover: bool = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ["channel", "flags", "html", "is_history", "is_self", "platform", "text", "timestamp", "user"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    IS_HISTORY_FIELD_NUMBER: _ClassVar[int]
    IS_SELF_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    channel: str
    flags: _containers.RepeatedScalarFieldContainer[MessageFlag]
    html: str
    is_history: bool
    is_self: bool
    platform: str
    text: str
    timestamp: _timestamp_pb2.Timestamp
    user: User
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., user: _Optional[_Union[User, _Mapping]] = ..., text: _Optional[str] = ..., html: _Optional[str] = ..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., is_self: bool = ..., is_history: bool = ..., flags: _Optional[_Iterable[_Union[MessageFlag, str]]] = ...) -> None: ...

class PrivateMessage(_message.Message):
    __slots__ = ["channel", "html", "is_self", "platform", "text", "timestamp", "to"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    IS_SELF_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    channel: str
    html: str
    is_self: bool
    platform: str
    text: str
    timestamp: _timestamp_pb2.Timestamp
    to: str
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., to: _Optional[str] = ..., text: _Optional[str] = ..., html: _Optional[str] = ..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., is_self: bool = ..., **kwargs) -> None: ...

class User(_message.Message):
    __slots__ = ["name", "rank"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    name: str
    rank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class UserJoin(_message.Message):
    __slots__ = ["afk", "channel", "is_self", "muted", "platform", "user"]
    AFK_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IS_SELF_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    afk: bool
    channel: str
    is_self: bool
    muted: bool
    platform: str
    user: User
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., user: _Optional[_Union[User, _Mapping]] = ..., afk: bool = ..., muted: bool = ..., is_self: bool = ...) -> None: ...

class UserLeave(_message.Message):
    __slots__ = ["channel", "name", "platform"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    channel: str
    name: str
    platform: str
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class UserUpdate(_message.Message):
    __slots__ = ["afk", "channel", "muted", "name", "platform", "rank", "smuted"]
    AFK_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SMUTED_FIELD_NUMBER: _ClassVar[int]
    afk: bool
    channel: str
    muted: bool
    name: str
    platform: str
    rank: float
    smuted: bool
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., name: _Optional[str] = ..., rank: _Optional[float] = ..., afk: bool = ..., muted: bool = ..., smuted: bool = ...) -> None: ...

class MessageFlag(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ConnectorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GapReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

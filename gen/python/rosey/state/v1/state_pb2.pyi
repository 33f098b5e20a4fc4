from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from rosey.commands.v1 import commands_pb2 as _commands_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CONNECTION_STATE_CONNECTING: ConnectionState
CONNECTION_STATE_IDLE: ConnectionState
CONNECTION_STATE_JOINING: ConnectionState
CONNECTION_STATE_LOGGING_IN: ConnectionState
CONNECTION_STATE_READY: ConnectionState
CONNECTION_STATE_RECONNECTING: ConnectionState
CONNECTION_STATE_STOPPED: ConnectionState
CONNECTION_STATE_UNSPECIFIED: ConnectionState
DESCRIPTOR: _descriptor.FileDescriptor

class Media(_message.Message):
    __slots__ = ["duration", "id", "seconds", "title", "type"]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    duration: str
    id: str
    seconds: float
    title: str
    type: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., title: _Optional[str] = ..., seconds: _Optional[float] = ..., duration: _Optional[str] = ...) -> None: ...

class NowPlayingReply(_message.Message):
    __slots__ = ["as_of", "channel", "media", "paused", "position_seconds", "reported_at", "reported_position_seconds"]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    POSITION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    REPORTED_POSITION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    as_of: _timestamp_pb2.Timestamp
    channel: str
    media: Media
    paused: bool
    position_seconds: float
    reported_at: _timestamp_pb2.Timestamp
    reported_position_seconds: float
    def __init__(self, channel: _Optional[str] = ..., media: _Optional[_Union[Media, _Mapping]] = ..., position_seconds: _Optional[float] = ..., paused: bool = ..., reported_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reported_position_seconds: _Optional[float] = ..., as_of: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OptionsReply(_message.Message):
    __slots__ = ["channel", "options"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    channel: str
    options: _struct_pb2.Struct
    def __init__(self, channel: _Optional[str] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class PermissionsReply(_message.Message):
    __slots__ = ["channel", "permissions"]
    class PermissionsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    channel: str
    permissions: _containers.ScalarMap[str, float]
    def __init__(self, channel: _Optional[str] = ..., permissions: _Optional[_Mapping[str, float]] = ...) -> None: ...

class PlaylistItem(_message.Message):
    __slots__ = ["media", "queued_by", "temp", "uid"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    QUEUED_BY_FIELD_NUMBER: _ClassVar[int]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    media: Media
    queued_by: str
    temp: bool
    uid: int
    def __init__(self, uid: _Optional[int] = ..., media: _Optional[_Union[Media, _Mapping]] = ..., temp: bool = ..., queued_by: _Optional[str] = ...) -> None: ...

class PlaylistReply(_message.Message):
    __slots__ = ["channel", "count", "current_uid", "items", "locked", "total_seconds"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_UID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    LOCKED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    channel: str
    count: int
    current_uid: int
    items: _containers.RepeatedCompositeFieldContainer[PlaylistItem]
    locked: bool
    total_seconds: float
    def __init__(self, channel: _Optional[str] = ..., items: _Optional[_Iterable[_Union[PlaylistItem, _Mapping]]] = ..., current_uid: _Optional[int] = ..., locked: bool = ..., count: _Optional[int] = ..., total_seconds: _Optional[float] = ...) -> None: ...

class PollCount(_message.Message):
    __slots__ = ["count", "obscured"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    OBSCURED_FIELD_NUMBER: _ClassVar[int]
    count: int
    obscured: str
    def __init__(self, count: _Optional[int] = ..., obscured: _Optional[str] = ...) -> None: ...

class PollReply(_message.Message):
    __slots__ = ["channel", "counts", "initiator", "open", "opened_at", "options", "title"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    counts: _containers.RepeatedCompositeFieldContainer[PollCount]
    initiator: str
    open: bool
    opened_at: _timestamp_pb2.Timestamp
    options: _containers.RepeatedScalarFieldContainer[str]
    title: str
    def __init__(self, channel: _Optional[str] = ..., open: bool = ..., title: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[_Union[PollCount, _Mapping]]] = ..., initiator: _Optional[str] = ..., opened_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SelfReply(_message.Message):
    __slots__ = ["channel", "guest", "name", "rank", "state"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    GUEST_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    guest: bool
    name: str
    rank: float
    state: ConnectionState
    def __init__(self, channel: _Optional[str] = ..., name: _Optional[str] = ..., rank: _Optional[float] = ..., guest: bool = ..., state: _Optional[_Union[ConnectionState, str]] = ...) -> None: ...

class StateError(_message.Message):
    __slots__ = ["channel", "code", "reason"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    channel: str
    code: _commands_pb2.ErrorCode
    reason: str
    def __init__(self, code: _Optional[_Union[_commands_pb2.ErrorCode, str]] = ..., reason: _Optional[str] = ..., channel: _Optional[str] = ...) -> None: ...

class StateRequest(_message.Message):
    __slots__ = ["channel"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: str
    def __init__(self, channel: _Optional[str] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ["afk", "muted", "name", "rank", "smuted"]
    AFK_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SMUTED_FIELD_NUMBER: _ClassVar[int]
    afk: bool
    muted: bool
    name: str
    rank: float
    smuted: bool
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ..., afk: bool = ..., muted: bool = ..., smuted: bool = ...) -> None: ...

class UsersReply(_message.Message):
    __slots__ = ["channel", "leader", "user_count", "users"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    USER_COUNT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    leader: str
    user_count: int
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, channel: _Optional[str] = ..., users: _Optional[_Iterable[_Union[User, _Mapping]]] = ..., user_count: _Optional[int] = ..., leader: _Optional[str] = ...) -> None: ...

class ConnectionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

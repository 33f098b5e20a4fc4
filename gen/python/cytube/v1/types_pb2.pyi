from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AntifloodParams(_message.Message):
    __slots__ = ["burst", "cooldown", "sustained"]
    BURST_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_FIELD_NUMBER: _ClassVar[int]
    SUSTAINED_FIELD_NUMBER: _ClassVar[int]
    burst: float
    cooldown: float
    sustained: float
    def __init__(self, burst: _Optional[float] = ..., sustained: _Optional[float] = ..., cooldown: _Optional[float] = ...) -> None: ...

class BanEntry(_message.Message):
    __slots__ = ["bannedby", "id", "ip", "name", "reason"]
    BANNEDBY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    bannedby: str
    id: int
    ip: str
    name: str
    reason: str
    def __init__(self, id: _Optional[int] = ..., ip: _Optional[str] = ..., name: _Optional[str] = ..., reason: _Optional[str] = ..., bannedby: _Optional[str] = ...) -> None: ...

class ChannelRank(_message.Message):
    __slots__ = ["channel", "name", "rank"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    channel: str
    name: str
    rank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ..., channel: _Optional[str] = ...) -> None: ...

class ChatFilter(_message.Message):
    __slots__ = ["active", "filterlinks", "flags", "name", "replace", "source"]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    FILTERLINKS_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    active: bool
    filterlinks: bool
    flags: str
    name: str
    replace: str
    source: str
    def __init__(self, name: _Optional[str] = ..., source: _Optional[str] = ..., flags: _Optional[str] = ..., replace: _Optional[str] = ..., active: bool = ..., filterlinks: bool = ...) -> None: ...

class ChatMeta(_message.Message):
    __slots__ = ["action", "add_class", "add_class_to_name_and_timestamp", "extra", "force_show_name", "modflair", "shadow"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    ADD_CLASS_FIELD_NUMBER: _ClassVar[int]
    ADD_CLASS_TO_NAME_AND_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    FORCE_SHOW_NAME_FIELD_NUMBER: _ClassVar[int]
    MODFLAIR_FIELD_NUMBER: _ClassVar[int]
    SHADOW_FIELD_NUMBER: _ClassVar[int]
    action: bool
    add_class: str
    add_class_to_name_and_timestamp: bool
    extra: _struct_pb2.Struct
    force_show_name: bool
    modflair: float
    shadow: bool
    def __init__(self, modflair: _Optional[float] = ..., add_class: _Optional[str] = ..., action: bool = ..., add_class_to_name_and_timestamp: bool = ..., force_show_name: bool = ..., shadow: bool = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Emote(_message.Message):
    __slots__ = ["image", "name", "source"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    image: str
    name: str
    source: str
    def __init__(self, name: _Optional[str] = ..., image: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class Media(_message.Message):
    __slots__ = ["duration", "id", "meta", "seconds", "title", "type"]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    duration: str
    id: str
    meta: _struct_pb2.Struct
    seconds: float
    title: str
    type: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., seconds: _Optional[float] = ..., duration: _Optional[str] = ..., type: _Optional[str] = ..., meta: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class PlaylistItem(_message.Message):
    __slots__ = ["media", "queueby", "temp", "uid"]
    MEDIA_FIELD_NUMBER: _ClassVar[int]
    QUEUEBY_FIELD_NUMBER: _ClassVar[int]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    media: Media
    queueby: str
    temp: bool
    uid: int
    def __init__(self, media: _Optional[_Union[Media, _Mapping]] = ..., uid: _Optional[int] = ..., temp: bool = ..., queueby: _Optional[str] = ...) -> None: ...

class PollCount(_message.Message):
    __slots__ = ["count", "obscured"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    OBSCURED_FIELD_NUMBER: _ClassVar[int]
    count: int
    obscured: str
    def __init__(self, count: _Optional[int] = ..., obscured: _Optional[str] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ["channel", "duration", "id", "meta", "seconds", "title", "type"]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    duration: str
    id: str
    meta: _struct_pb2.Value
    seconds: float
    title: str
    type: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., seconds: _Optional[float] = ..., type: _Optional[str] = ..., meta: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., channel: _Optional[str] = ..., duration: _Optional[str] = ...) -> None: ...

class SocketServer(_message.Message):
    __slots__ = ["extra", "secure", "url"]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    SECURE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    extra: _struct_pb2.Struct
    secure: bool
    url: str
    def __init__(self, url: _Optional[str] = ..., secure: bool = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ["meta", "name", "profile", "rank"]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    meta: UserMeta
    name: str
    profile: UserProfile
    rank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ..., profile: _Optional[_Union[UserProfile, _Mapping]] = ..., meta: _Optional[_Union[UserMeta, _Mapping]] = ...) -> None: ...

class UserMeta(_message.Message):
    __slots__ = ["afk", "aliases", "ip", "muted", "smuted"]
    AFK_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    IP_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    SMUTED_FIELD_NUMBER: _ClassVar[int]
    afk: bool
    aliases: _containers.RepeatedScalarFieldContainer[str]
    ip: str
    muted: bool
    smuted: bool
    def __init__(self, afk: bool = ..., muted: bool = ..., smuted: bool = ..., aliases: _Optional[_Iterable[str]] = ..., ip: _Optional[str] = ...) -> None: ...

class UserPlaylist(_message.Message):
    __slots__ = ["count", "duration", "name"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    count: int
    duration: float
    name: str
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ..., duration: _Optional[float] = ...) -> None: ...

class UserProfile(_message.Message):
    __slots__ = ["image", "text"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    image: str
    text: str
    def __init__(self, image: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

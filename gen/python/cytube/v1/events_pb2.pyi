from cytube.v1 import types_pb2 as _types_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddFilterSuccess(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class AddUser(_message.Message):
    __slots__ = ["meta", "name", "profile", "rank"]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    meta: _types_pb2.UserMeta
    name: str
    profile: _types_pb2.UserProfile
    rank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ..., profile: _Optional[_Union[_types_pb2.UserProfile, _Mapping]] = ..., meta: _Optional[_Union[_types_pb2.UserMeta, _Mapping]] = ...) -> None: ...

class Announcement(_message.Message):
    __slots__ = ["id", "text", "title"]
    FROM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    title: str
    def __init__(self, title: _Optional[str] = ..., text: _Optional[str] = ..., id: _Optional[str] = ..., **kwargs) -> None: ...

class Banlist(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.BanEntry]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.BanEntry, _Mapping]]] = ...) -> None: ...

class BanlistRemove(_message.Message):
    __slots__ = ["id", "name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class CancelNeedPassword(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ChangeMedia(_message.Message):
    __slots__ = ["current_time", "duration", "id", "meta", "paused", "seconds", "title", "type"]
    CURRENT_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    current_time: float
    duration: str
    id: str
    meta: _struct_pb2.Struct
    paused: bool
    seconds: float
    title: str
    type: str
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., seconds: _Optional[float] = ..., duration: _Optional[str] = ..., type: _Optional[str] = ..., meta: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., current_time: _Optional[float] = ..., paused: bool = ...) -> None: ...

class ChannelCSSJS(_message.Message):
    __slots__ = ["css", "css_hash", "js", "js_hash"]
    CSS_FIELD_NUMBER: _ClassVar[int]
    CSS_HASH_FIELD_NUMBER: _ClassVar[int]
    JS_FIELD_NUMBER: _ClassVar[int]
    JS_HASH_FIELD_NUMBER: _ClassVar[int]
    css: str
    css_hash: str
    js: str
    js_hash: str
    def __init__(self, css: _Optional[str] = ..., css_hash: _Optional[str] = ..., js: _Optional[str] = ..., js_hash: _Optional[str] = ...) -> None: ...

class ChannelNotRegistered(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ChannelOpts(_message.Message):
    __slots__ = ["afk_timeout", "allow_ascii_control", "allow_dupes", "allow_voteskip", "block_anonymous_users", "chat_antiflood", "chat_antiflood_params", "enable_link_regex", "externalcss", "externaljs", "extra", "maxlength", "maxlength_number", "new_user_chat_delay", "new_user_chat_delay_number", "new_user_chat_link_delay", "new_user_chat_link_delay_number", "pagetitle", "password", "playlist_max_duration_per_user", "playlist_max_duration_per_user_number", "playlist_max_per_user", "playlist_max_per_user_number", "show_public", "torbanned", "voteskip_ratio"]
    AFK_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ALLOW_ASCII_CONTROL_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DUPES_FIELD_NUMBER: _ClassVar[int]
    ALLOW_VOTESKIP_FIELD_NUMBER: _ClassVar[int]
    BLOCK_ANONYMOUS_USERS_FIELD_NUMBER: _ClassVar[int]
    CHAT_ANTIFLOOD_FIELD_NUMBER: _ClassVar[int]
    CHAT_ANTIFLOOD_PARAMS_FIELD_NUMBER: _ClassVar[int]
    ENABLE_LINK_REGEX_FIELD_NUMBER: _ClassVar[int]
    EXTERNALCSS_FIELD_NUMBER: _ClassVar[int]
    EXTERNALJS_FIELD_NUMBER: _ClassVar[int]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    MAXLENGTH_FIELD_NUMBER: _ClassVar[int]
    MAXLENGTH_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_DELAY_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_DELAY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_LINK_DELAY_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_LINK_DELAY_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PAGETITLE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_DURATION_PER_USER_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_DURATION_PER_USER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_PER_USER_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_PER_USER_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SHOW_PUBLIC_FIELD_NUMBER: _ClassVar[int]
    TORBANNED_FIELD_NUMBER: _ClassVar[int]
    VOTESKIP_RATIO_FIELD_NUMBER: _ClassVar[int]
    afk_timeout: int
    allow_ascii_control: bool
    allow_dupes: bool
    allow_voteskip: bool
    block_anonymous_users: bool
    chat_antiflood: bool
    chat_antiflood_params: _types_pb2.AntifloodParams
    enable_link_regex: bool
    externalcss: str
    externaljs: str
    extra: _struct_pb2.Struct
    maxlength: int
    maxlength_number: float
    new_user_chat_delay: int
    new_user_chat_delay_number: float
    new_user_chat_link_delay: int
    new_user_chat_link_delay_number: float
    pagetitle: str
    password: _struct_pb2.Value
    playlist_max_duration_per_user: int
    playlist_max_duration_per_user_number: float
    playlist_max_per_user: int
    playlist_max_per_user_number: float
    show_public: bool
    torbanned: bool
    voteskip_ratio: float
    def __init__(self, allow_voteskip: bool = ..., voteskip_ratio: _Optional[float] = ..., afk_timeout: _Optional[int] = ..., pagetitle: _Optional[str] = ..., maxlength: _Optional[int] = ..., externalcss: _Optional[str] = ..., externaljs: _Optional[str] = ..., chat_antiflood: bool = ..., chat_antiflood_params: _Optional[_Union[_types_pb2.AntifloodParams, _Mapping]] = ..., show_public: bool = ..., enable_link_regex: bool = ..., password: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., allow_dupes: bool = ..., torbanned: bool = ..., block_anonymous_users: bool = ..., allow_ascii_control: bool = ..., playlist_max_per_user: _Optional[int] = ..., new_user_chat_delay: _Optional[int] = ..., new_user_chat_link_delay: _Optional[int] = ..., playlist_max_duration_per_user: _Optional[int] = ..., maxlength_number: _Optional[float] = ..., playlist_max_per_user_number: _Optional[float] = ..., new_user_chat_delay_number: _Optional[float] = ..., new_user_chat_link_delay_number: _Optional[float] = ..., playlist_max_duration_per_user_number: _Optional[float] = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ChannelRankFail(_message.Message):
    __slots__ = ["msg"]
    MSG_FIELD_NUMBER: _ClassVar[int]
    msg: str
    def __init__(self, msg: _Optional[str] = ...) -> None: ...

class ChannelRanks(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.ChannelRank]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.ChannelRank, _Mapping]]] = ...) -> None: ...

class ChatFilters(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.ChatFilter]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.ChatFilter, _Mapping]]] = ...) -> None: ...

class ChatMsg(_message.Message):
    __slots__ = ["meta", "msg", "time", "username"]
    META_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    meta: _types_pb2.ChatMeta
    msg: str
    time: int
    username: str
    def __init__(self, username: _Optional[str] = ..., msg: _Optional[str] = ..., meta: _Optional[_Union[_types_pb2.ChatMeta, _Mapping]] = ..., time: _Optional[int] = ...) -> None: ...

class ClearVoteskipVote(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Clearchat(_message.Message):
    __slots__ = ["cleared_by"]
    CLEARED_BY_FIELD_NUMBER: _ClassVar[int]
    cleared_by: str
    def __init__(self, cleared_by: _Optional[str] = ...) -> None: ...

class ClosePoll(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Cooldown(_message.Message):
    __slots__ = ["value", "value_number"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VALUE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    value: int
    value_number: float
    def __init__(self, value: _Optional[int] = ..., value_number: _Optional[float] = ...) -> None: ...

class Costanza(_message.Message):
    __slots__ = ["msg"]
    MSG_FIELD_NUMBER: _ClassVar[int]
    msg: str
    def __init__(self, msg: _Optional[str] = ...) -> None: ...

class Delete(_message.Message):
    __slots__ = ["uid"]
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    def __init__(self, uid: _Optional[int] = ...) -> None: ...

class DeleteChatFilter(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DrinkCount(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: int
    def __init__(self, value: _Optional[int] = ...) -> None: ...

class EmoteList(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.Emote]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.Emote, _Mapping]]] = ...) -> None: ...

class ErrorMsg(_message.Message):
    __slots__ = ["alert", "code", "msg", "msg_value"]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    MSG_VALUE_FIELD_NUMBER: _ClassVar[int]
    alert: bool
    code: str
    msg: str
    msg_value: _struct_pb2.Value
    def __init__(self, msg: _Optional[str] = ..., code: _Optional[str] = ..., alert: bool = ..., msg_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class Kick(_message.Message):
    __slots__ = ["reason"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class ListPlaylists(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.UserPlaylist]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.UserPlaylist, _Mapping]]] = ...) -> None: ...

class Login(_message.Message):
    __slots__ = ["error", "error_value", "guest", "name", "success"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_VALUE_FIELD_NUMBER: _ClassVar[int]
    GUEST_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    error: str
    error_value: _struct_pb2.Value
    guest: bool
    name: str
    success: bool
    def __init__(self, success: bool = ..., name: _Optional[str] = ..., guest: bool = ..., error: _Optional[str] = ..., error_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class MediaUpdate(_message.Message):
    __slots__ = ["current_time", "paused"]
    CURRENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    current_time: float
    paused: bool
    def __init__(self, current_time: _Optional[float] = ..., paused: bool = ...) -> None: ...

class MoveVideo(_message.Message):
    __slots__ = ["after_uid", "append", "prepend"]
    AFTER_UID_FIELD_NUMBER: _ClassVar[int]
    APPEND_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    PREPEND_FIELD_NUMBER: _ClassVar[int]
    after_uid: int
    append: bool
    prepend: bool
    def __init__(self, after_uid: _Optional[int] = ..., prepend: bool = ..., append: bool = ..., **kwargs) -> None: ...

class NeedPassword(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: bool
    def __init__(self, value: bool = ...) -> None: ...

class NewPoll(_message.Message):
    __slots__ = ["counts", "initiator", "options", "timestamp", "title"]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[_types_pb2.PollCount]
    initiator: str
    options: _containers.RepeatedScalarFieldContainer[str]
    timestamp: int
    title: str
    def __init__(self, title: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[_Union[_types_pb2.PollCount, _Mapping]]] = ..., initiator: _Optional[str] = ..., timestamp: _Optional[int] = ...) -> None: ...

class Noflood(_message.Message):
    __slots__ = ["action", "msg"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    action: str
    msg: str
    def __init__(self, action: _Optional[str] = ..., msg: _Optional[str] = ...) -> None: ...

class PartitionChange(_message.Message):
    __slots__ = ["extra", "servers"]
    EXTRA_FIELD_NUMBER: _ClassVar[int]
    SERVERS_FIELD_NUMBER: _ClassVar[int]
    extra: _struct_pb2.Struct
    servers: _containers.RepeatedCompositeFieldContainer[_types_pb2.SocketServer]
    def __init__(self, servers: _Optional[_Iterable[_Union[_types_pb2.SocketServer, _Mapping]]] = ..., extra: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Playlist(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.PlaylistItem]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.PlaylistItem, _Mapping]]] = ...) -> None: ...

class Pm(_message.Message):
    __slots__ = ["meta", "msg", "time", "to", "username"]
    META_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    meta: _types_pb2.ChatMeta
    msg: str
    time: int
    to: str
    username: str
    def __init__(self, username: _Optional[str] = ..., msg: _Optional[str] = ..., meta: _Optional[_Union[_types_pb2.ChatMeta, _Mapping]] = ..., time: _Optional[int] = ..., to: _Optional[str] = ...) -> None: ...

class Queue(_message.Message):
    __slots__ = ["after_uid", "item", "prepend"]
    AFTER_UID_FIELD_NUMBER: _ClassVar[int]
    ITEM_FIELD_NUMBER: _ClassVar[int]
    PREPEND_FIELD_NUMBER: _ClassVar[int]
    after_uid: int
    item: _types_pb2.PlaylistItem
    prepend: bool
    def __init__(self, item: _Optional[_Union[_types_pb2.PlaylistItem, _Mapping]] = ..., after_uid: _Optional[int] = ..., prepend: bool = ...) -> None: ...

class QueueFail(_message.Message):
    __slots__ = ["id", "link", "msg"]
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    id: str
    link: str
    msg: str
    def __init__(self, msg: _Optional[str] = ..., link: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class QueueWarn(_message.Message):
    __slots__ = ["id", "link", "msg"]
    ID_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    id: str
    link: str
    msg: str
    def __init__(self, msg: _Optional[str] = ..., link: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class Rank(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: float
    def __init__(self, value: _Optional[float] = ...) -> None: ...

class ReadChanLog(_message.Message):
    __slots__ = ["data", "success"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    data: str
    success: bool
    def __init__(self, success: bool = ..., data: _Optional[str] = ...) -> None: ...

class RemoveEmote(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RenameEmote(_message.Message):
    __slots__ = ["image", "name", "old", "source"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OLD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    image: str
    name: str
    old: str
    source: str
    def __init__(self, old: _Optional[str] = ..., name: _Optional[str] = ..., image: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class SearchResults(_message.Message):
    __slots__ = ["results", "source"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[_types_pb2.SearchResult]
    source: str
    def __init__(self, source: _Optional[str] = ..., results: _Optional[_Iterable[_Union[_types_pb2.SearchResult, _Mapping]]] = ...) -> None: ...

class SetAFK(_message.Message):
    __slots__ = ["afk", "name"]
    AFK_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    afk: bool
    name: str
    def __init__(self, name: _Optional[str] = ..., afk: bool = ...) -> None: ...

class SetCurrent(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: int
    def __init__(self, value: _Optional[int] = ...) -> None: ...

class SetLeader(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: str
    def __init__(self, value: _Optional[str] = ...) -> None: ...

class SetMotd(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: str
    def __init__(self, value: _Optional[str] = ...) -> None: ...

class SetPermissions(_message.Message):
    __slots__ = ["permissions"]
    class PermissionsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    permissions: _containers.ScalarMap[str, float]
    def __init__(self, permissions: _Optional[_Mapping[str, float]] = ...) -> None: ...

class SetPlaylistLocked(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: bool
    def __init__(self, value: bool = ...) -> None: ...

class SetPlaylistMeta(_message.Message):
    __slots__ = ["count", "raw_time", "time"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    RAW_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    count: int
    raw_time: float
    time: str
    def __init__(self, count: _Optional[int] = ..., raw_time: _Optional[float] = ..., time: _Optional[str] = ...) -> None: ...

class SetTemp(_message.Message):
    __slots__ = ["temp", "uid"]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    temp: bool
    uid: int
    def __init__(self, uid: _Optional[int] = ..., temp: bool = ...) -> None: ...

class SetUserMeta(_message.Message):
    __slots__ = ["meta", "name"]
    META_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    meta: _types_pb2.UserMeta
    name: str
    def __init__(self, name: _Optional[str] = ..., meta: _Optional[_Union[_types_pb2.UserMeta, _Mapping]] = ...) -> None: ...

class SetUserProfile(_message.Message):
    __slots__ = ["name", "profile"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    name: str
    profile: _types_pb2.UserProfile
    def __init__(self, name: _Optional[str] = ..., profile: _Optional[_Union[_types_pb2.UserProfile, _Mapping]] = ...) -> None: ...

class SetUserRank(_message.Message):
    __slots__ = ["name", "rank", "userrank"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    USERRANK_FIELD_NUMBER: _ClassVar[int]
    name: str
    rank: float
    userrank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ..., userrank: _Optional[float] = ...) -> None: ...

class SpamFiltered(_message.Message):
    __slots__ = ["reason"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class UpdateChatFilter(_message.Message):
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

class UpdateEmote(_message.Message):
    __slots__ = ["image", "name", "source"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    image: str
    name: str
    source: str
    def __init__(self, name: _Optional[str] = ..., image: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class UpdatePoll(_message.Message):
    __slots__ = ["counts", "initiator", "options", "timestamp", "title"]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[_types_pb2.PollCount]
    initiator: str
    options: _containers.RepeatedScalarFieldContainer[str]
    timestamp: int
    title: str
    def __init__(self, title: _Optional[str] = ..., options: _Optional[_Iterable[str]] = ..., counts: _Optional[_Iterable[_Union[_types_pb2.PollCount, _Mapping]]] = ..., initiator: _Optional[str] = ..., timestamp: _Optional[int] = ...) -> None: ...

class UserLeave(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class Usercount(_message.Message):
    __slots__ = ["value"]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    value: int
    def __init__(self, value: _Optional[int] = ...) -> None: ...

class Userlist(_message.Message):
    __slots__ = ["items"]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_types_pb2.User]
    def __init__(self, items: _Optional[_Iterable[_Union[_types_pb2.User, _Mapping]]] = ...) -> None: ...

class ValidationError(_message.Message):
    __slots__ = ["message", "target"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    message: str
    target: str
    def __init__(self, target: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class ValidationPassed(_message.Message):
    __slots__ = ["target"]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    target: str
    def __init__(self, target: _Optional[str] = ...) -> None: ...

class Voteskip(_message.Message):
    __slots__ = ["count", "need", "need_number"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    NEED_FIELD_NUMBER: _ClassVar[int]
    NEED_NUMBER_FIELD_NUMBER: _ClassVar[int]
    count: int
    need: int
    need_number: float
    def __init__(self, count: _Optional[int] = ..., need: _Optional[int] = ..., need_number: _Optional[float] = ...) -> None: ...

class WarnLargeChandump(_message.Message):
    __slots__ = ["actual", "limit"]
    ACTUAL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    actual: int
    limit: int
    def __init__(self, limit: _Optional[int] = ..., actual: _Optional[int] = ...) -> None: ...

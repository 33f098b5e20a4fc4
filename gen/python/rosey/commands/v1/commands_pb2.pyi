from cytube.v1 import actions_pb2 as _actions_pb2
from cytube.v1 import events_pb2 as _events_pb2
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
ERROR_CODE_NOT_FOUND: ErrorCode
ERROR_CODE_NOT_PERMITTED: ErrorCode
ERROR_CODE_RATE_LIMITED: ErrorCode
ERROR_CODE_REFUSED_BY_SERVER: ErrorCode
ERROR_CODE_SPAM_FILTERED: ErrorCode
ERROR_CODE_TIMEOUT: ErrorCode
ERROR_CODE_TOO_LONG: ErrorCode
ERROR_CODE_UNKNOWN_ACTION: ErrorCode
ERROR_CODE_UNSPECIFIED: ErrorCode
ERROR_CODE_WRONG_CHANNEL: ErrorCode
IP_RANGE_RANGE: IpRange
IP_RANGE_UNSPECIFIED: IpRange
IP_RANGE_WIDE: IpRange
MEDIA_POSITION_END: MediaPosition
MEDIA_POSITION_NEXT: MediaPosition
MEDIA_POSITION_UNSPECIFIED: MediaPosition

class AfkCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class BanCommand(_message.Message):
    __slots__ = ["ip", "range", "reason", "username"]
    IP_FIELD_NUMBER: _ClassVar[int]
    RANGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ip: bool
    range: IpRange
    reason: str
    username: str
    def __init__(self, username: _Optional[str] = ..., reason: _Optional[str] = ..., ip: bool = ..., range: _Optional[_Union[IpRange, str]] = ...) -> None: ...

class BanListCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ChannelLogCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ChannelRankCommand(_message.Message):
    __slots__ = ["rank", "username"]
    RANK_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    rank: float
    username: str
    def __init__(self, username: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class ChatCommand(_message.Message):
    __slots__ = ["message", "modflair"]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MODFLAIR_FIELD_NUMBER: _ClassVar[int]
    message: str
    modflair: bool
    def __init__(self, message: _Optional[str] = ..., modflair: bool = ...) -> None: ...

class ClearChatCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CommandResult(_message.Message):
    __slots__ = ["action", "banlist", "channel_log", "channel_options", "channel_ranks", "chat_filters", "code", "correlation_id", "ok", "reason", "retry_after_ms", "search_results", "server_message", "unconfirmed", "user_playlists"]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    BANLIST_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_LOG_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_RANKS_FIELD_NUMBER: _ClassVar[int]
    CHAT_FILTERS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_ID_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_RESULTS_FIELD_NUMBER: _ClassVar[int]
    SERVER_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    UNCONFIRMED_FIELD_NUMBER: _ClassVar[int]
    USER_PLAYLISTS_FIELD_NUMBER: _ClassVar[int]
    action: str
    banlist: _events_pb2.Banlist
    channel_log: _events_pb2.ReadChanLog
    channel_options: _events_pb2.ChannelOpts
    channel_ranks: _events_pb2.ChannelRanks
    chat_filters: _events_pb2.ChatFilters
    code: ErrorCode
    correlation_id: str
    ok: bool
    reason: str
    retry_after_ms: int
    search_results: _events_pb2.SearchResults
    server_message: str
    unconfirmed: bool
    user_playlists: _events_pb2.ListPlaylists
    def __init__(self, ok: bool = ..., code: _Optional[_Union[ErrorCode, str]] = ..., reason: _Optional[str] = ..., server_message: _Optional[str] = ..., action: _Optional[str] = ..., correlation_id: _Optional[str] = ..., retry_after_ms: _Optional[int] = ..., unconfirmed: bool = ..., banlist: _Optional[_Union[_events_pb2.Banlist, _Mapping]] = ..., channel_ranks: _Optional[_Union[_events_pb2.ChannelRanks, _Mapping]] = ..., channel_log: _Optional[_Union[_events_pb2.ReadChanLog, _Mapping]] = ..., search_results: _Optional[_Union[_events_pb2.SearchResults, _Mapping]] = ..., user_playlists: _Optional[_Union[_events_pb2.ListPlaylists, _Mapping]] = ..., channel_options: _Optional[_Union[_events_pb2.ChannelOpts, _Mapping]] = ..., chat_filters: _Optional[_Union[_events_pb2.ChatFilters, _Mapping]] = ...) -> None: ...

class CssSetCommand(_message.Message):
    __slots__ = ["css"]
    CSS_FIELD_NUMBER: _ClassVar[int]
    css: str
    def __init__(self, css: _Optional[str] = ...) -> None: ...

class EmoteRemoveCommand(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class EmoteRenameCommand(_message.Message):
    __slots__ = ["name", "old"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OLD_FIELD_NUMBER: _ClassVar[int]
    name: str
    old: str
    def __init__(self, old: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class EmoteSetCommand(_message.Message):
    __slots__ = ["image", "name"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    image: str
    name: str
    def __init__(self, name: _Optional[str] = ..., image: _Optional[str] = ...) -> None: ...

class FilterCommand(_message.Message):
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

class FilterListCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class FilterRemoveCommand(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class JsSetCommand(_message.Message):
    __slots__ = ["js"]
    JS_FIELD_NUMBER: _ClassVar[int]
    js: str
    def __init__(self, js: _Optional[str] = ...) -> None: ...

class KickAnonsCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

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

class MediaSearchCommand(_message.Message):
    __slots__ = ["query", "source"]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    query: str
    source: str
    def __init__(self, query: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class MediaSeekCommand(_message.Message):
    __slots__ = ["paused", "time"]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    paused: bool
    time: float
    def __init__(self, time: _Optional[float] = ..., paused: bool = ...) -> None: ...

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

class OptionsSetCommand(_message.Message):
    __slots__ = ["options"]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    options: _actions_pb2.SetOptionsAction
    def __init__(self, options: _Optional[_Union[_actions_pb2.SetOptionsAction, _Mapping]] = ...) -> None: ...

class PermissionsSetCommand(_message.Message):
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

class PlaylistCleanCommand(_message.Message):
    __slots__ = ["title", "username"]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    title: str
    username: str
    def __init__(self, username: _Optional[str] = ..., title: _Optional[str] = ...) -> None: ...

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

class RankListCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

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

class UnbanCommand(_message.Message):
    __slots__ = ["id", "username"]
    ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    username: str
    def __init__(self, id: _Optional[int] = ..., username: _Optional[str] = ...) -> None: ...

class UnmuteCommand(_message.Message):
    __slots__ = ["username"]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    username: str
    def __init__(self, username: _Optional[str] = ...) -> None: ...

class UserPlaylistDeleteCommand(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UserPlaylistQueueCommand(_message.Message):
    __slots__ = ["name", "position", "temp"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: MediaPosition
    temp: bool
    def __init__(self, name: _Optional[str] = ..., position: _Optional[_Union[MediaPosition, str]] = ..., temp: bool = ...) -> None: ...

class UserPlaylistSaveCommand(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UserPlaylistsCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class VoteskipCommand(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class MediaPosition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class IpRange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ErrorCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

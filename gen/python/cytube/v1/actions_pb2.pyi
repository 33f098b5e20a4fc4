from cytube.v1 import types_pb2 as _types_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddFilterAction(_message.Message):
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

class AfkAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class AssignLeaderAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class BanAction(_message.Message):
    __slots__ = ["name", "reason"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BorrowRankAction(_message.Message):
    __slots__ = ["rank"]
    RANK_FIELD_NUMBER: _ClassVar[int]
    rank: float
    def __init__(self, rank: _Optional[float] = ...) -> None: ...

class ChannelPasswordAction(_message.Message):
    __slots__ = ["password"]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    password: str
    def __init__(self, password: _Optional[str] = ...) -> None: ...

class ChatActionMeta(_message.Message):
    __slots__ = ["modflair"]
    MODFLAIR_FIELD_NUMBER: _ClassVar[int]
    modflair: float
    def __init__(self, modflair: _Optional[float] = ...) -> None: ...

class ChatMsgAction(_message.Message):
    __slots__ = ["meta", "msg"]
    META_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    meta: ChatActionMeta
    msg: str
    def __init__(self, msg: _Optional[str] = ..., meta: _Optional[_Union[ChatActionMeta, _Mapping]] = ...) -> None: ...

class ClearChatAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ClearPlaylistAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ClosePollAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteAction(_message.Message):
    __slots__ = ["uid"]
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    def __init__(self, uid: _Optional[int] = ...) -> None: ...

class IpbanAction(_message.Message):
    __slots__ = ["name", "reason"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class JoinChannelAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class JumpToAction(_message.Message):
    __slots__ = ["uid"]
    UID_FIELD_NUMBER: _ClassVar[int]
    uid: int
    def __init__(self, uid: _Optional[int] = ...) -> None: ...

class KickAction(_message.Message):
    __slots__ = ["name", "reason"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ListPlaylistsAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class LoginAction(_message.Message):
    __slots__ = ["name", "pw"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PW_FIELD_NUMBER: _ClassVar[int]
    name: str
    pw: str
    def __init__(self, name: _Optional[str] = ..., pw: _Optional[str] = ...) -> None: ...

class MediaUpdateAction(_message.Message):
    __slots__ = ["current_time", "id", "paused", "type"]
    CURRENT_TIME_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    current_time: float
    id: str
    paused: bool
    type: str
    def __init__(self, id: _Optional[str] = ..., current_time: _Optional[float] = ..., paused: bool = ..., type: _Optional[str] = ...) -> None: ...

class MoveMediaAction(_message.Message):
    __slots__ = ["after_uid", "append", "prepend"]
    AFTER_UID_FIELD_NUMBER: _ClassVar[int]
    APPEND_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    PREPEND_FIELD_NUMBER: _ClassVar[int]
    after_uid: int
    append: bool
    prepend: bool
    def __init__(self, after_uid: _Optional[int] = ..., prepend: bool = ..., append: bool = ..., **kwargs) -> None: ...

class MuteAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class NewPollAction(_message.Message):
    __slots__ = ["obscured", "opts", "retain_votes", "timeout", "title"]
    OBSCURED_FIELD_NUMBER: _ClassVar[int]
    OPTS_FIELD_NUMBER: _ClassVar[int]
    RETAIN_VOTES_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    obscured: bool
    opts: _containers.RepeatedScalarFieldContainer[str]
    retain_votes: bool
    timeout: float
    title: str
    def __init__(self, title: _Optional[str] = ..., opts: _Optional[_Iterable[str]] = ..., obscured: bool = ..., timeout: _Optional[float] = ..., retain_votes: bool = ...) -> None: ...

class PlayNextAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PlayerReadyAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class PmAction(_message.Message):
    __slots__ = ["meta", "msg", "to"]
    META_FIELD_NUMBER: _ClassVar[int]
    MSG_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    meta: ChatActionMeta
    msg: str
    to: str
    def __init__(self, to: _Optional[str] = ..., msg: _Optional[str] = ..., meta: _Optional[_Union[ChatActionMeta, _Mapping]] = ...) -> None: ...

class QueueAction(_message.Message):
    __slots__ = ["duration", "id", "pos", "temp", "title", "type"]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    POS_FIELD_NUMBER: _ClassVar[int]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    duration: float
    id: str
    pos: str
    temp: bool
    title: str
    type: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., pos: _Optional[str] = ..., title: _Optional[str] = ..., duration: _Optional[float] = ..., temp: bool = ...) -> None: ...

class ReadChanLogAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RemoveEmoteAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RemoveFilterAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RenameEmoteAction(_message.Message):
    __slots__ = ["name", "old"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OLD_FIELD_NUMBER: _ClassVar[int]
    name: str
    old: str
    def __init__(self, old: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RequestBanlistAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RequestChannelRanksAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RequestChatFiltersAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class RequestPlaylistAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SearchMediaAction(_message.Message):
    __slots__ = ["query", "source"]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    query: str
    source: str
    def __init__(self, query: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class SetChannelCSSAction(_message.Message):
    __slots__ = ["css"]
    CSS_FIELD_NUMBER: _ClassVar[int]
    css: str
    def __init__(self, css: _Optional[str] = ...) -> None: ...

class SetChannelJSAction(_message.Message):
    __slots__ = ["js"]
    JS_FIELD_NUMBER: _ClassVar[int]
    js: str
    def __init__(self, js: _Optional[str] = ...) -> None: ...

class SetChannelRankAction(_message.Message):
    __slots__ = ["name", "rank"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    name: str
    rank: float
    def __init__(self, name: _Optional[str] = ..., rank: _Optional[float] = ...) -> None: ...

class SetMotdAction(_message.Message):
    __slots__ = ["motd"]
    MOTD_FIELD_NUMBER: _ClassVar[int]
    motd: str
    def __init__(self, motd: _Optional[str] = ...) -> None: ...

class SetOptionsAction(_message.Message):
    __slots__ = ["afk_timeout", "allow_ascii_control", "allow_dupes", "allow_voteskip", "block_anonymous_users", "chat_antiflood", "chat_antiflood_params", "enable_link_regex", "externalcss", "externaljs", "maxlength", "new_user_chat_delay", "new_user_chat_link_delay", "pagetitle", "password", "playlist_max_duration_per_user", "playlist_max_per_user", "show_public", "torbanned", "voteskip_ratio"]
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
    MAXLENGTH_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_DELAY_FIELD_NUMBER: _ClassVar[int]
    NEW_USER_CHAT_LINK_DELAY_FIELD_NUMBER: _ClassVar[int]
    PAGETITLE_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_DURATION_PER_USER_FIELD_NUMBER: _ClassVar[int]
    PLAYLIST_MAX_PER_USER_FIELD_NUMBER: _ClassVar[int]
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
    maxlength: int
    new_user_chat_delay: int
    new_user_chat_link_delay: int
    pagetitle: str
    password: str
    playlist_max_duration_per_user: int
    playlist_max_per_user: int
    show_public: bool
    torbanned: bool
    voteskip_ratio: float
    def __init__(self, allow_voteskip: bool = ..., voteskip_ratio: _Optional[float] = ..., afk_timeout: _Optional[int] = ..., pagetitle: _Optional[str] = ..., maxlength: _Optional[int] = ..., externalcss: _Optional[str] = ..., externaljs: _Optional[str] = ..., chat_antiflood: bool = ..., chat_antiflood_params: _Optional[_Union[_types_pb2.AntifloodParams, _Mapping]] = ..., show_public: bool = ..., enable_link_regex: bool = ..., password: _Optional[str] = ..., allow_dupes: bool = ..., torbanned: bool = ..., block_anonymous_users: bool = ..., allow_ascii_control: bool = ..., playlist_max_per_user: _Optional[int] = ..., new_user_chat_delay: _Optional[int] = ..., new_user_chat_link_delay: _Optional[int] = ..., playlist_max_duration_per_user: _Optional[int] = ...) -> None: ...

class SetPermissionsAction(_message.Message):
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

class SetTempAction(_message.Message):
    __slots__ = ["temp", "uid"]
    TEMP_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    temp: bool
    uid: int
    def __init__(self, uid: _Optional[int] = ..., temp: bool = ...) -> None: ...

class ShufflePlaylistAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SmuteAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class TogglePlaylistLockAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class UnbanAction(_message.Message):
    __slots__ = ["id", "name"]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: int
    name: str
    def __init__(self, id: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class UnmuteAction(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateEmoteAction(_message.Message):
    __slots__ = ["image", "name"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    image: str
    name: str
    def __init__(self, name: _Optional[str] = ..., image: _Optional[str] = ...) -> None: ...

class VoteAction(_message.Message):
    __slots__ = ["option"]
    OPTION_FIELD_NUMBER: _ClassVar[int]
    option: int
    def __init__(self, option: _Optional[int] = ...) -> None: ...

class VoteskipAction(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...
